//! Headless Chromium for the browser tests: found on PATH (Debian's `chromium`, which
//! `scripts/install-deps` installs), run with a time limit, its DOM or a screenshot returned.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Chromium binary: `$CHROMIUM`, else `chromium`, `chromium-browser` or `google-chrome`
/// on PATH; `None` (and a line on stderr saying the test is skipped) when there is none.
pub fn find(test: &str) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("CHROMIUM") {
        Some(path) => vec![PathBuf::from(path)],
        None => {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .flat_map(|dir| {
                    ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
                })
                .collect()
        }
    };
    let found = candidates.into_iter().find(|p| p.is_file());
    if found.is_none() {
        eprintln!("{test}: skipped: no chromium found (scripts/install-deps installs it)");
    }
    found
}

/// A new, empty folder under `parent`.
fn fresh_profile(parent: &Path) -> PathBuf {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = parent.join(format!("profile-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs headless Chromium on `url`, with a fresh profile under `profile` (a profile reused
/// with a warm cache can keep headless Chromium from ever finishing), with `extra` arguments
/// (e.g. `--dump-dom`), letting the page run for `budget_ms` of virtual time (0: until it has loaded, for pages without
/// scripts); stdout. A run that has not finished after 40 s of real time (headless Chromium
/// under a virtual time budget now and then never finishes) is stopped and tried again, up to
/// three times in all; then this panics.
pub fn run(chromium: &Path, profile: &Path, url: &str, extra: &[&str], budget_ms: u32) -> String {
    for attempt in 1..=3 {
        if let Some(stdout) = run_once(chromium, profile, url, extra, budget_ms) {
            return stdout;
        }
        eprintln!("chromium did not finish on {url} with {extra:?} (attempt {attempt} of 3)");
    }
    panic!("chromium never finished on {url} with {extra:?}");
}

/// One run of [`run`]; `None` when it was stopped after 40 s.
fn run_once(
    chromium: &Path,
    profile: &Path,
    url: &str,
    extra: &[&str],
    budget_ms: u32,
) -> Option<String> {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", fresh_profile(profile).display()),
        ])
        .args((budget_ms > 0).then(|| format!("--virtual-time-budget={budget_ms}")))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // Read stdout as it comes (a DOM larger than the pipe's buffer would block Chromium).
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let started = Instant::now();
    while child.try_wait().expect("wait for chromium").is_none() {
        if started.elapsed() > Duration::from_secs(40) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(reader.join().expect("read chromium's output"))
}
