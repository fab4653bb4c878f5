//! The `interlock` binary: parses the command line and hands it to [`interlock::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    interlock::cli::main()
}
