//! The `her2` commands shown in `README.md` and `docs/cli.md` work: every example in a shell
//! block that uses the bundled files (`fixtures/`) is run as a user would run it (through
//! `sh`, from a folder where `fixtures/` is the repository's), and every other `her2` line,
//! in a shell block or inline, names a real subcommand and only options its `--help` lists.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::repo;

/// The documents whose `her2` lines are checked.
const DOCUMENTS: [&str; 2] = ["README.md", "docs/cli.md"];

/// One `her2 ...` command of a document.
#[derive(Debug)]
struct Example {
    /// Where it is, `file:line`.
    at: String,
    /// The command as a shell would read it (continuation lines joined).
    command: String,
    /// Whether it is in a shell code block (a command to run) rather than inline (a synopsis).
    in_shell_block: bool,
}

/// The `her2` commands of a Markdown document: the lines of its `sh` / `bash` code blocks
/// (continuations joined, comments dropped), and its inline code spans, that start with `her2`.
fn examples(file: &str) -> Vec<Example> {
    let text = std::fs::read_to_string(repo().join(file)).unwrap();
    let mut found = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(info.trim().to_owned()),
            };
            continue;
        }
        match fence.as_deref() {
            Some("sh" | "bash") => {
                let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
                let code = match trimmed.find(" #") {
                    Some(at) if !trimmed.starts_with('#') => &trimmed[..at],
                    _ => trimmed,
                };
                if code.starts_with('#') && joined.is_empty() {
                    continue;
                }
                if let Some(head) = code.trim_end().strip_suffix('\\') {
                    joined.push_str(head);
                    pending = Some((start, joined));
                    continue;
                }
                joined.push_str(code.trim_end());
                if joined.starts_with("her2 ") {
                    found.push(Example {
                        at: format!("{file}:{start}"),
                        command: joined,
                        in_shell_block: true,
                    });
                }
            }
            Some(_) => {}
            None => {
                for (n, span) in line.split('`').enumerate() {
                    if n % 2 == 1 && span.starts_with("her2 ") {
                        found.push(Example {
                            at: format!("{file}:{}", i + 1),
                            command: span.replace("\\|", "|"),
                            in_shell_block: false,
                        });
                    }
                }
            }
        }
    }
    assert!(fence.is_none(), "{file}: an unclosed code block");
    found
}

/// Runs `her2 <args> --help` and returns its text (failing the test when it fails).
fn help(args: &[&str], at: &str) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_her2"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{at}: `her2 {}` is no command: {}",
        args.join(" "),
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).into_owned()
}

/// The options (`--name`) a command line uses.
fn options(command: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = command;
    while let Some(at) = rest.find("--") {
        let before = rest[..at].chars().next_back();
        let name: String = rest[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if before.is_none_or(|c| c.is_whitespace() || "[|(".contains(c)) && !name.is_empty() {
            found.push(format!("--{name}"));
        }
        rest = &rest[at + 2..];
    }
    found
}

/// Checks that the example's subcommand exists and that its `--help` lists every option used.
fn check_options(example: &Example) {
    let words: Vec<&str> = example.command.split_whitespace().skip(1).collect();
    let first = *words.first().unwrap_or(&"");
    let mut path = vec![first];
    let mut text = help(&path, &example.at);
    if text.contains("Commands:")
        && let Some(sub) = words
            .get(1)
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
    {
        path.push(sub);
        text = help(&path, &example.at);
    }
    for option in options(&example.command) {
        let listed = text.match_indices(&option).any(|(at, _)| {
            text[at + option.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'))
        });
        assert!(
            listed,
            "{}: `{}`: `her2 {}` has no option {option}",
            example.at,
            example.command,
            path.join(" ")
        );
    }
}

/// A folder to run examples in, where `fixtures/` is the repository's.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        repo().join("fixtures").canonicalize().unwrap(),
        dir.path().join("fixtures"),
    )
    .unwrap();
    dir
}

/// Runs a shell command line in `dir` with the `her2` under test first on the `PATH`.
fn run_in(dir: &Path, example: &Example) {
    let bin: PathBuf = Path::new(env!("CARGO_BIN_EXE_her2"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let run = Command::new("sh")
        .arg("-c")
        .arg(&example.command)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}: `{}` failed: {}",
        example.at,
        example.command,
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn every_her2_line_of_the_docs_uses_real_commands_and_options() {
    let mut checked = 0;
    for file in DOCUMENTS {
        for example in examples(file) {
            assert!(
                !example.command.contains(".mpk"),
                "{}: `{}`: checkpoints are .bpk files",
                example.at,
                example.command
            );
            check_options(&example);
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} her2 lines found");
    assert!(
        help(&["score"], "her2 score --help").contains("--model <F.bpk>"),
        "her2 score --help names the checkpoint format"
    );
}

#[test]
fn the_examples_on_bundled_files_run() {
    for file in DOCUMENTS {
        let dir = workspace();
        let runnable: Vec<Example> = examples(file)
            .into_iter()
            .filter(|e| e.in_shell_block && e.command.contains("fixtures/"))
            .collect();
        if file == "docs/cli.md" {
            assert!(runnable.len() >= 4, "{runnable:?}");
        }
        for example in &runnable {
            run_in(dir.path(), example);
        }
    }
}
