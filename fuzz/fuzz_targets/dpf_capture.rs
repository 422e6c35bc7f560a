//! Any bytes through the capture reader (pcap or pcapng, any byte order) and, for what it
//! delivers, through both writers: no panic, bounded work, and every written output reads
//! back as the same packets. The in-memory pcap reader (`dpf split`'s mapped path) delivers
//! the same packets and stops with the same error as the streaming one, and a record it calls
//! verbatim is what the pcap writer writes.
#![no_main]

use dpf::capture::{CaptureReader, OutputFormat, PacketWriter, PcapSlice};
use libfuzzer_sys::fuzz_target;

fn same_as_slice(data: &[u8]) {
    let Ok(Some(mut s)) = PcapSlice::new(data) else {
        return;
    };
    let mut r = CaptureReader::new(data).expect("the slice reader accepted the header");
    loop {
        let (a, b) = (r.next_packet(), s.next_record());
        match (a, b) {
            (Ok(None), Ok(None)) => return,
            (Ok(Some(p)), Ok(Some(rec))) => {
                let q = rec.packet;
                assert_eq!((p.ts, p.data, p.orig_len), (q.ts, q.data, q.orig_len));
                if rec.verbatim {
                    let nanos = s.nanos();
                    let mut w = PacketWriter::new(Vec::new(), OutputFormat::Pcap { nanos });
                    w.write(&q, s.interfaces()).expect("one link type");
                    assert_eq!(&w.into_inner()[24..], rec.raw);
                }
            }
            (Err(e), Err(f)) => {
                assert_eq!((e.msg, e.offset, e.packet), (f.msg, f.offset, f.packet));
                return;
            }
            (a, b) => panic!("stream {:?}, slice {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    same_as_slice(data);
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
