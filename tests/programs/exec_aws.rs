//! A static program that executes the program named by its first argument directly (no shell,
//! no libc PATH search by name): what a Go CLI or any static binary does.
use std::os::unix::process::CommandExt;

fn main() {
    let program = std::env::args().nth(1).expect("program");
    let err = std::process::Command::new(program)
        .args(["cloudformation", "delete-stack", "--stack-name", "from-static"])
        .exec();
    eprintln!("exec failed: {err}");
    std::process::exit(126);
}
