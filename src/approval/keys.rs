//! Keys typed at the prompt: bytes from the real terminal, decoded into the few keys the
//! prompt understands, with simple line editing and echo.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::Receiver;

/// A key the prompt understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Enter.
    Enter,
    /// Backspace or Delete.
    Backspace,
    /// Esc, Ctrl-C or Ctrl-D: refuse.
    Cancel,
}

/// Decodes keys from chunks of terminal input.
#[derive(Debug)]
pub struct KeyReader {
    rx: Receiver<Vec<u8>>,
    pending: VecDeque<u8>,
}

/// Longest accepted line.
const MAX_LINE: usize = 1024;

impl KeyReader {
    /// Keys from the chunks sent on `rx`.
    pub fn new(rx: Receiver<Vec<u8>>) -> KeyReader {
        KeyReader {
            rx,
            pending: VecDeque::new(),
        }
    }

    fn byte(&mut self) -> Option<u8> {
        loop {
            if let Some(b) = self.pending.pop_front() {
                return Some(b);
            }
            self.pending.extend(self.rx.recv().ok()?);
        }
    }

    /// The next key; `None` when the terminal is gone (treated as a refusal).
    pub fn next_key(&mut self) -> Option<Key> {
        loop {
            let b = self.byte()?;
            return Some(match b {
                b'\r' | b'\n' => Key::Enter,
                0x7f | 0x08 => Key::Backspace,
                0x03 | 0x04 => Key::Cancel,
                0x1b => {
                    // A lone Esc cancels; an escape sequence (arrow keys, ...) is skipped.
                    if self.pending.front() == Some(&b'[') || self.pending.front() == Some(&b'O') {
                        self.pending.pop_front();
                        while let Some(c) = self.pending.pop_front() {
                            if c.is_ascii_alphabetic() || c == b'~' {
                                break;
                            }
                        }
                        continue;
                    }
                    Key::Cancel
                }
                b if b < 0x20 => continue,
                b if b < 0x80 => Key::Char(char::from(b)),
                first => {
                    let len = match first {
                        0xF0..=0xF7 => 4,
                        0xE0..=0xEF => 3,
                        0xC0..=0xDF => 2,
                        _ => continue,
                    };
                    let mut bytes = vec![first];
                    for _ in 1..len {
                        bytes.push(self.byte()?);
                    }
                    match std::str::from_utf8(&bytes)
                        .ok()
                        .and_then(|s| s.chars().next())
                    {
                        Some(c) => Key::Char(c),
                        None => continue,
                    }
                }
            });
        }
    }

    /// Reads a line, echoing it to `out`; `None` when cancelled.
    pub fn read_line(&mut self, out: &mut impl Write) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        loop {
            match self.next_key() {
                None | Some(Key::Cancel) => {
                    write!(out, "\r\n")?;
                    return Ok(None);
                }
                Some(Key::Enter) => {
                    write!(out, "\r\n")?;
                    return Ok(Some(line));
                }
                Some(Key::Backspace) => {
                    if line.pop().is_some() {
                        write!(out, "\x08 \x08")?;
                    }
                }
                Some(Key::Char(c)) => {
                    if line.len() < MAX_LINE {
                        line.push(c);
                        write!(out, "{c}")?;
                    }
                }
            }
            out.flush()?;
        }
    }
}
