//! Entry points shared by the fuzz targets in `fuzz/` and by the tests that replay their corpora.

use crate::ir::Packet;
use crate::LinkType;

/// Any bytes as a filter expression, for every supported link type: parse, lower, render the
/// error, evaluate on a few packets. Must never panic.
pub fn filter_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let packets: [&[u8]; 4] = [
        &[],
        &[0xff; 14],
        &[
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0,
            0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 80, 0x1f, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02,
        ],
        &[0x45; 64],
    ];
    for link in [
        LinkType::ETHERNET,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::RAW,
        LinkType::IPV4,
        LinkType::IPV6,
        LinkType::NULL,
        LinkType::LOOP,
    ] {
        match crate::compile(&text, link) {
            Ok(p) => {
                for pk in packets {
                    let _ = p.matches(&Packet::new(pk, pk.len() as u32 + 4));
                }
                let _ = p.to_string();
            }
            Err(e) => {
                let _ = e.render(&text);
            }
        }
    }
}
