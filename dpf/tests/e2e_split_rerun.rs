//! Re-running `dpf split` into the directory of an earlier split. An output that is a regular
//! file holding data is replaced by a new file with the old one's permissions (on ext4,
//! truncating it in place makes its close wait for the disk); an output the split may not
//! replace that way (another hard link to it, a symbolic link) is truncated in place, as
//! `File::create` and `tcpdump -w` do. Either way every output ends up with exactly this
//! run's packets, on the mapped and the piped input path alike.

mod e2e_common;
use e2e_common::*;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

const RULES: &str = "ip4: ip\nweb: tcp port 80 or tcp port 443\nbig: len > 256\nall: len >= 0\n";

fn split(input: &Path, rules: &Path, out: &Path, piped: bool) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dpf"));
    c.arg("split")
        .args([
            "--rules",
            rules.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if piped {
        c.args(["-r", "/dev/stdin"])
            .stdin(std::fs::File::open(input).unwrap());
    } else {
        c.args(["-r", input.to_str().unwrap()]);
    }
    let r = c.output().expect("run dpf");
    assert!(
        r.status.success(),
        "split (piped: {piped}): {}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn a_second_split_into_the_same_directory_rewrites_every_output() {
    let dir = scratch("e2e_split_rerun");
    let input = shared_pcaps().join("tcpdump-tests/pim-packet-assortment.pcap");
    let rules = dir.join("rules");
    std::fs::write(&rules, RULES).unwrap();
    let fresh = dir.join("fresh");
    split(&input, &rules, &fresh, false);
    let want = |name: &str| std::fs::read(fresh.join(format!("{name}.pcap"))).unwrap();
    assert!(want("all").len() > 24, "the capture has packets");

    for piped in [false, true] {
        let out = dir.join(format!("rerun-{piped}"));
        let _ = std::fs::remove_dir_all(&out);
        split(&input, &rules, &out, piped);
        let path = |name: &str| out.join(format!("{name}.pcap"));
        // Stale bytes longer than any output, so that a file not emptied shows.
        let junk = vec![0xa5u8; want("all").len() + 4096];
        for name in ["ip4", "web", "big", "all"] {
            std::fs::write(path(name), &junk).unwrap();
        }
        // ip4: a plain file with its own mode, which the re-run keeps.
        std::fs::set_permissions(path("ip4"), std::fs::Permissions::from_mode(0o640)).unwrap();
        // Held open across the re-run: a replaced file's old bytes stay readable through it
        // (and its inode number cannot be reused meanwhile).
        let mut ip4_old = std::fs::File::open(path("ip4")).unwrap();
        let ip4_inode = ip4_old.metadata().unwrap().ino();
        // web: hard-linked elsewhere, so it is truncated in place and the other name sees
        // the new bytes.
        let other = dir.join(format!("web-link-{piped}.pcap"));
        let _ = std::fs::remove_file(&other);
        std::fs::hard_link(path("web"), &other).unwrap();
        // big: a symbolic link, followed as before.
        let target = dir.join(format!("big-target-{piped}.pcap"));
        std::fs::write(&target, &junk).unwrap();
        std::fs::remove_file(path("big")).unwrap();
        std::os::unix::fs::symlink(&target, path("big")).unwrap();

        split(&input, &rules, &out, piped);

        for name in ["ip4", "web", "big", "all"] {
            assert_eq!(
                std::fs::read(path(name)).unwrap(),
                want(name),
                "{name} (piped: {piped})"
            );
        }
        let ip4 = std::fs::metadata(path("ip4")).unwrap();
        assert_eq!(
            ip4.permissions().mode() & 0o7777,
            0o640,
            "ip4 keeps its mode"
        );
        assert_ne!(ip4.ino(), ip4_inode, "ip4 was replaced, not truncated");
        let mut old_bytes = Vec::new();
        std::io::Read::read_to_end(&mut ip4_old, &mut old_bytes).unwrap();
        assert_eq!(old_bytes, junk, "the replaced file was left as it was");
        assert_eq!(
            std::fs::read(&other).unwrap(),
            want("web"),
            "web's other link"
        );
        assert_eq!(std::fs::metadata(&other).unwrap().nlink(), 2);
        assert!(std::fs::symlink_metadata(path("big"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), want("big"), "big's target");
    }
}
