#[path = "../tests/support/mod.rs"]
mod support;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let e = &args[1];
    let hex = &args[2];
    let wl: u32 = args[3].parse().unwrap();
    let data: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let cap = pcap::Capture::dead(pcap::Linktype(1)).unwrap();
    let p = dpf::compile(e, dpf::LinkType::ETHERNET).unwrap();
    println!("{p}");
    let prog = cap.compile(e, true).unwrap();
    for i in prog.get_instructions() {
        println!("{i}");
    }
    let t = support::LibpcapFilter::compile(
        &pcap::Capture::from_file(
            support::shared_pcaps().join("tcpdump-tests/802.1D_spanning_tree.pcap"),
        )
        .unwrap(),
        e,
    )
    .unwrap();
    println!(
        "ours {:?} libpcap {}",
        p.eval(&dpf::ir::Packet::new(&data, wl)),
        t.matches(&data, wl)
    );
}
