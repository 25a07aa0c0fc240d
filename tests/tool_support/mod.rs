//! Running the external tools the integration tests check streams with (decoders,
//! ffprobe), strictly: a tool that is missing, fails or prints anything on stderr fails
//! the test.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::Path;
use std::process::Command;

/// Run `cmd`; it must succeed. Returns (stdout, stderr).
pub fn run(cmd: &mut Command) -> (Vec<u8>, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (required for this test): {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {stderr}",
        out.status
    );
    (out.stdout, stderr)
}

/// Run `cmd`; it must succeed and print nothing on stderr. Returns stdout.
pub fn run_strict(cmd: &mut Command) -> Vec<u8> {
    let (stdout, stderr) = run(cmd);
    assert!(stderr.trim().is_empty(), "{cmd:?} reported: {stderr}");
    stdout
}

/// Decode `input` with ffmpeg in its strictest mode (`-xerror`, `-err_detect` with
/// `checks`) to raw `pix_fmt` samples, which are returned.
pub fn ffmpeg_decode(input: &Path, checks: &str, pix_fmt: &str) -> Vec<u8> {
    run_strict(
        Command::new("ffmpeg")
            .args([
                "-nostdin",
                "-v",
                "error",
                "-xerror",
                "-err_detect",
                checks,
                "-i",
            ])
            .arg(input)
            .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]),
    )
}

/// ffprobe's `-show_streams` report of the first video stream of `path`.
pub fn ffprobe(path: &Path) -> String {
    let out = run_strict(
        Command::new("ffprobe")
            .args(["-v", "error", "-show_streams", "-select_streams", "v:0"])
            .arg(path),
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `key` in an ffprobe report.
pub fn field<'a>(probe: &'a str, key: &str) -> &'a str {
    probe
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {probe}"))
}
