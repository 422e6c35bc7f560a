//! Far ends of the simulated wire that run in the same thread as the host: a smoltcp host
//! (ARP, ICMP echo, a UDP echo port), used by `exo run --nic sim`, the tests and the ping
//! benchmark; and a [`Pinger`] that sends ICMP echo requests and counts the replies.
//!
//! smoltcp is an independent implementation, so a round trip through it is checked by someone
//! else's reading of the RFCs, not ours.

use crate::host::Peer;
use kernel_shim::nic::sim::{Clock, SimEnd};
use kernel_shim::{Frame, FramePool, Nic};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, ChecksumCapabilities, DeviceCapabilities, Medium};
use smoltcp::socket::{icmp, udp};
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, HardwareAddress, Icmpv4Packet, Icmpv4Repr, IpAddress, IpCidr, IpProtocol,
    Ipv4Packet, Ipv4Repr,
};
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

/// A smoltcp `Device` over one end of the shim's simulated wire. Received frames are read in
/// place; transmitted ones are written straight into a pool frame.
pub struct SimDevice {
    end: SimEnd,
    pool: FramePool,
    rx: VecDeque<Frame>,
    /// Transmissions dropped because the device's pool was empty.
    pub tx_dropped: u64,
}

impl SimDevice {
    pub fn new(end: SimEnd) -> SimDevice {
        SimDevice {
            end,
            pool: FramePool::new(1024, crate::config::MAX_FRAME, 0),
            rx: VecDeque::new(),
            tx_dropped: 0,
        }
    }
    pub fn clock(&self) -> Clock {
        self.end.clock()
    }
    pub fn end(&self) -> &SimEnd {
        &self.end
    }
    fn fill(&mut self) {
        if self.rx.is_empty() {
            let mut v = Vec::new();
            // The wire never fails; an error here would be a capture write, not worth a crash.
            let _ = self.end.recv_burst(&self.pool, &mut v, 64);
            self.rx.extend(v);
        }
    }
    /// Takes one received frame, for peers that do not use smoltcp's interface.
    pub fn recv(&mut self) -> Option<Frame> {
        self.fill();
        self.rx.pop_front()
    }
    /// Sends `len` bytes written by `f` into a fresh pool frame.
    pub fn send_with<R>(&mut self, len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let len = len.min(self.pool.buf_size());
        match self.pool.alloc() {
            Some(mut m) => {
                let r = f(&mut m.buf_mut()[..len]);
                m.set_len(len);
                m.set_wire_len(len as u32);
                let frame = m.freeze();
                let _ = self.end.send_burst(std::slice::from_ref(&frame));
                r
            }
            None => {
                // No buffer: the closure still runs (smoltcp needs its result); the frame is
                // lost, as on a real NIC whose queue is full.
                self.tx_dropped += 1;
                f(&mut vec![0u8; len])
            }
        }
    }
    /// How long until a frame in flight towards this end arrives.
    pub fn wake_after(&self) -> Option<Duration> {
        if !self.rx.is_empty() {
            return Some(Duration::ZERO);
        }
        self.end.wake_after()
    }
}

pub struct SimRx(Frame);
pub struct SimTx<'a>(&'a mut SimDevice);

impl phy::RxToken for SimRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0.data())
    }
}

impl phy::TxToken for SimTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        self.0.send_with(len, f)
    }
}

impl phy::Device for SimDevice {
    type RxToken<'a> = SimRx;
    type TxToken<'a> = SimTx<'a>;
    fn receive(
        &mut self,
        _ts: smoltcp::time::Instant,
    ) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        self.fill();
        let f = self.rx.pop_front()?;
        Some((SimRx(f), SimTx(self)))
    }
    fn transmit(&mut self, _ts: smoltcp::time::Instant) -> Option<Self::TxToken<'_>> {
        Some(SimTx(self))
    }
    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ethernet;
        c.max_transmission_unit = 1514;
        c
    }
}

fn smol_now(clock: &Clock) -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_micros((clock.now_ns() / 1000) as i64)
}

/// A smoltcp host on the wire: answers ARP and ICMP echo (smoltcp's interface does both) and
/// echoes UDP datagrams sent to `udp_echo_port`. With [`SmolPeer::with_client`] it also pings
/// a target and sends it UDP datagrams to echo, resending what is unanswered.
pub struct SmolPeer {
    iface: Interface,
    dev: SimDevice,
    sockets: SocketSet<'static>,
    udp: SocketHandle,
    clock: Clock,
    /// UDP datagrams echoed.
    pub echoed: u64,
    pub client: Option<SmolClient>,
}

/// What the smoltcp host asks of the other end: `count` pings and `count` UDP echoes (to port
/// `port`), each resent every `retry` until answered.
pub struct SmolClient {
    target: Ipv4Addr,
    port: u16,
    count: u16,
    retry: Duration,
    icmp: SocketHandle,
    udp: SocketHandle,
    last_sent: Vec<Option<u64>>,
    /// Sequence numbers answered, by ping and by UDP echo.
    pub pinged: std::collections::BTreeSet<u16>,
    pub echoed: std::collections::BTreeSet<u16>,
    /// Rounds of requests sent (first tries and resends).
    pub sent: u64,
}

const CLIENT_IDENT: u16 = 0x534d;
const CLIENT_PORT: u16 = 5000;

impl SmolPeer {
    pub fn new(end: SimEnd, mac: [u8; 6], ip: Ipv4Addr, prefix: u8, udp_echo_port: u16) -> Self {
        let mut dev = SimDevice::new(end);
        let clock = dev.clock();
        let cfg = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        let mut iface = Interface::new(cfg, &mut dev, smol_now(&clock));
        iface.update_ip_addrs(|a| {
            // One address on an empty list cannot overflow the fixed-size vector.
            let _ = a.push(IpCidr::new(IpAddress::Ipv4(ip), prefix));
        });
        let mut sockets = SocketSet::new(Vec::new());
        let buf =
            || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0u8; 64 * 1024]);
        let mut sock = udp::Socket::new(buf(), buf());
        // Binding a fresh socket to a non-zero port cannot fail.
        let _ = sock.bind(udp_echo_port.max(1));
        let udp = sockets.add(sock);
        SmolPeer {
            iface,
            dev,
            sockets,
            udp,
            clock,
            echoed: 0,
            client: None,
        }
    }

    /// Also pings `target` and has it echo UDP datagrams on `port`, `count` of each.
    pub fn with_client(mut self, target: Ipv4Addr, port: u16, count: u16) -> Self {
        let mut ic = icmp::Socket::new(
            icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 64], vec![0u8; 16384]),
            icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 64], vec![0u8; 16384]),
        );
        let _ = ic.bind(icmp::Endpoint::Ident(CLIENT_IDENT));
        let buf = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0u8; 16384]);
        let mut us = udp::Socket::new(buf(), buf());
        let _ = us.bind(CLIENT_PORT);
        self.client = Some(SmolClient {
            target,
            port,
            count,
            retry: Duration::from_millis(300),
            icmp: self.sockets.add(ic),
            udp: self.sockets.add(us),
            last_sent: vec![None; count as usize],
            pinged: Default::default(),
            echoed: Default::default(),
            sent: 0,
        });
        self
    }

    fn client_turn(&mut self) {
        let Some(c) = &mut self.client else { return };
        let caps = ChecksumCapabilities::default();
        let ic = self.sockets.get_mut::<icmp::Socket>(c.icmp);
        while let Ok((data, from)) = ic.recv() {
            let Ok(p) = Icmpv4Packet::new_checked(data) else {
                continue;
            };
            if let Ok(Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            }) = Icmpv4Repr::parse(&p, &caps)
            {
                if ident == CLIENT_IDENT
                    && from == IpAddress::Ipv4(c.target)
                    && data == format!("smol ping {seq_no}").as_bytes()
                {
                    c.pinged.insert(seq_no);
                }
            }
        }
        let us = self.sockets.get_mut::<udp::Socket>(c.udp);
        while let Ok((data, meta)) = us.recv() {
            let text = String::from_utf8_lossy(data);
            if let Some(n) = text.strip_prefix("smol udp ").and_then(|n| n.parse().ok()) {
                if meta.endpoint.addr == IpAddress::Ipv4(c.target) && meta.endpoint.port == c.port {
                    c.echoed.insert(n);
                }
            }
        }
        let now = self.clock.now_ns();
        for n in 0..c.count {
            if c.pinged.contains(&n) && c.echoed.contains(&n) {
                continue;
            }
            let due = c.last_sent[n as usize]
                .is_none_or(|t| now.saturating_sub(t) >= c.retry.as_nanos() as u64);
            if !due {
                continue;
            }
            c.last_sent[n as usize] = Some(now);
            c.sent += 1;
            if !c.pinged.contains(&n) {
                let payload = format!("smol ping {n}");
                let repr = Icmpv4Repr::EchoRequest {
                    ident: CLIENT_IDENT,
                    seq_no: n,
                    data: payload.as_bytes(),
                };
                let ic = self.sockets.get_mut::<icmp::Socket>(c.icmp);
                if let Ok(buf) = ic.send(repr.buffer_len(), IpAddress::Ipv4(c.target)) {
                    repr.emit(&mut Icmpv4Packet::new_unchecked(buf), &caps);
                }
            }
            if !c.echoed.contains(&n) {
                let us = self.sockets.get_mut::<udp::Socket>(c.udp);
                let _ = us.send_slice(
                    format!("smol udp {n}").as_bytes(),
                    (IpAddress::Ipv4(c.target), c.port),
                );
            }
        }
    }

    pub fn wire(&self) -> &SimEnd {
        self.dev.end()
    }
}

impl Peer for SmolPeer {
    fn poll(&mut self) {
        // A few rounds: what arrives may be answered, and answers may free queued echoes.
        for _ in 0..4 {
            let now = smol_now(&self.clock);
            self.iface.poll(now, &mut self.dev, &mut self.sockets);
            let sock = self.sockets.get_mut::<udp::Socket>(self.udp);
            let mut any = false;
            while sock.can_send() {
                let Ok((data, meta)) = sock.recv() else { break };
                let data = data.to_vec();
                if sock.send_slice(&data, meta.endpoint).is_ok() {
                    self.echoed += 1;
                }
                any = true;
            }
            if !any && self.dev.rx.is_empty() {
                self.client_turn();
                self.iface.poll(now, &mut self.dev, &mut self.sockets);
                break;
            }
        }
    }
    fn done(&self) -> bool {
        self.client.as_ref().is_some_and(|c| {
            c.pinged.len() == c.count as usize && c.echoed.len() == c.count as usize
        })
    }
    fn wake_after(&mut self) -> Option<Duration> {
        let mut w = self.dev.wake_after();
        let now = smol_now(&self.clock);
        if let Some(d) = self.iface.poll_delay(now, &self.sockets) {
            let d = Duration::from_micros(d.total_micros());
            w = Some(w.map_or(d, |x| x.min(d)));
        }
        // An unfinished client resends on its own schedule.
        if self.client.is_some() && !self.done() {
            let r = Duration::from_millis(50);
            w = Some(w.map_or(r, |x| x.min(r)));
        }
        w
    }
}

/// Sends ICMP echo requests to a host whose MAC it is told (it does not resolve it, so the
/// measurement is the responder's; it does answer ARP for its own address, as smoltcp asks),
/// one outstanding at a time or `window` at once, and counts matching replies.
pub struct Pinger {
    dev: SimDevice,
    clock: Clock,
    mac: [u8; 6],
    ip: Ipv4Addr,
    dst_mac: [u8; 6],
    dst: Ipv4Addr,
    ident: u16,
    payload: Vec<u8>,
    /// Requests still to send.
    pub remaining: u64,
    /// Outstanding requests allowed.
    pub window: u64,
    /// Resend the oldest outstanding request after this long without a reply.
    pub retry_after: Option<Duration>,
    next_seq: u16,
    outstanding: VecDeque<(u16, u64)>,
    pub sent: u64,
    pub replies: u64,
    /// Replies whose payload or addresses differ from the request's.
    pub bad_replies: u64,
    /// Replies to a sequence number already answered (duplicates).
    pub dup_replies: u64,
    /// ARP requests for our address answered.
    pub arp_answered: u64,
    /// (wall, this thread's CPU) at the first and the latest reply: a benchmark measures
    /// between them, leaving out the start (ARP resolution, a retried first request).
    pub first_reply: Option<(std::time::Instant, Duration)>,
    pub last_reply: Option<(std::time::Instant, Duration)>,
    answered: std::collections::HashSet<u16>,
}

impl Pinger {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        end: SimEnd,
        mac: [u8; 6],
        ip: Ipv4Addr,
        dst_mac: [u8; 6],
        dst: Ipv4Addr,
        count: u64,
        payload_len: usize,
    ) -> Pinger {
        let dev = SimDevice::new(end);
        let clock = dev.clock();
        Pinger {
            dev,
            clock,
            mac,
            ip,
            dst_mac,
            dst,
            ident: 0x6578,
            payload: (0..payload_len).map(|i| (i * 7 + 3) as u8).collect(),
            remaining: count,
            window: 1,
            retry_after: None,
            next_seq: 0,
            outstanding: VecDeque::new(),
            sent: 0,
            replies: 0,
            bad_replies: 0,
            dup_replies: 0,
            arp_answered: 0,
            first_reply: None,
            last_reply: None,
            answered: Default::default(),
        }
    }

    fn send_request(&mut self, seq: u16) {
        let icmp = Icmpv4Repr::EchoRequest {
            ident: self.ident,
            seq_no: seq,
            data: &self.payload,
        };
        let ip = Ipv4Repr {
            src_addr: self.ip,
            dst_addr: self.dst,
            next_header: IpProtocol::Icmp,
            payload_len: icmp.buffer_len(),
            hop_limit: 64,
        };
        let eth = EthernetRepr {
            src_addr: EthernetAddress(self.mac),
            dst_addr: EthernetAddress(self.dst_mac),
            ethertype: EthernetProtocol::Ipv4,
        };
        let len = eth.buffer_len() + ip.buffer_len() + icmp.buffer_len();
        let caps = ChecksumCapabilities::default();
        self.dev.send_with(len, |b| {
            let mut f = EthernetFrame::new_unchecked(b);
            eth.emit(&mut f);
            let mut p = Ipv4Packet::new_unchecked(f.payload_mut());
            ip.emit(&mut p, &caps);
            icmp.emit(&mut Icmpv4Packet::new_unchecked(p.payload_mut()), &caps);
        });
        self.sent += 1;
    }

    /// Answers an ARP request for our address (a responder that must resolve us first).
    fn answer_arp(&mut self, f: &EthernetFrame<&[u8]>) {
        let Ok(p) = ArpPacket::new_checked(f.payload()) else {
            return;
        };
        let Ok(ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Request,
            source_hardware_addr,
            source_protocol_addr,
            target_protocol_addr,
            ..
        }) = ArpRepr::parse(&p)
        else {
            return;
        };
        if target_protocol_addr != self.ip {
            return;
        }
        let arp = ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Reply,
            source_hardware_addr: EthernetAddress(self.mac),
            source_protocol_addr: self.ip,
            target_hardware_addr: source_hardware_addr,
            target_protocol_addr: source_protocol_addr,
        };
        let eth = EthernetRepr {
            src_addr: EthernetAddress(self.mac),
            dst_addr: source_hardware_addr,
            ethertype: EthernetProtocol::Arp,
        };
        self.dev
            .send_with(eth.buffer_len() + arp.buffer_len(), |b| {
                let mut f = EthernetFrame::new_unchecked(b);
                eth.emit(&mut f);
                arp.emit(&mut ArpPacket::new_unchecked(f.payload_mut()));
            });
        self.arp_answered += 1;
    }

    fn check_reply(&mut self, data: &[u8]) {
        let caps = ChecksumCapabilities::default();
        let Ok(f) = EthernetFrame::new_checked(data) else {
            return;
        };
        if f.ethertype() == EthernetProtocol::Arp {
            self.answer_arp(&f);
            return;
        }
        if f.ethertype() != EthernetProtocol::Ipv4 {
            return;
        }
        let Ok(p) = Ipv4Packet::new_checked(f.payload()) else {
            return;
        };
        let Ok(ip) = Ipv4Repr::parse(&p, &caps) else {
            self.bad_replies += 1;
            return;
        };
        if ip.next_header != IpProtocol::Icmp {
            return;
        }
        let Ok(ip4) = Icmpv4Packet::new_checked(p.payload()) else {
            self.bad_replies += 1;
            return;
        };
        match Icmpv4Repr::parse(&ip4, &caps) {
            Ok(Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            }) if ident == self.ident => {
                if data != self.payload.as_slice()
                    || ip.src_addr != self.dst
                    || ip.dst_addr != self.ip
                    || f.dst_addr() != EthernetAddress(self.mac)
                {
                    self.bad_replies += 1;
                    return;
                }
                if !self.answered.insert(seq_no) {
                    self.dup_replies += 1;
                    return;
                }
                self.replies += 1;
                self.outstanding.retain(|&(s, _)| s != seq_no);
                let at = (std::time::Instant::now(), crate::bench::thread_cpu());
                self.first_reply.get_or_insert(at);
                self.last_reply = Some(at);
            }
            Ok(_) => {}
            Err(_) => self.bad_replies += 1,
        }
    }
}

impl Peer for Pinger {
    /// Every request answered (and none left to send)?
    fn done(&self) -> bool {
        self.remaining == 0 && self.outstanding.is_empty()
    }
    fn poll(&mut self) {
        while let Some(f) = self.dev.recv() {
            self.check_reply(f.data());
        }
        let now = self.clock.now_ns();
        if let (Some(r), Some(&(seq, at))) = (self.retry_after, self.outstanding.front()) {
            if now.saturating_sub(at) >= r.as_nanos() as u64 {
                self.outstanding.pop_front();
                self.outstanding.push_back((seq, now));
                self.send_request(seq);
            }
        }
        while self.remaining > 0 && (self.outstanding.len() as u64) < self.window {
            let seq = self.next_seq;
            self.next_seq = self.next_seq.wrapping_add(1);
            self.remaining -= 1;
            self.outstanding.push_back((seq, now));
            self.send_request(seq);
        }
    }
    fn wake_after(&mut self) -> Option<Duration> {
        let mut w = self.dev.wake_after();
        if let (Some(r), Some(&(_, at))) = (self.retry_after, self.outstanding.front()) {
            let due = Duration::from_nanos(
                (at + r.as_nanos() as u64).saturating_sub(self.clock.now_ns()),
            );
            w = Some(w.map_or(due, |x| x.min(due)));
        }
        w
    }
}

/// The cheapest possible responder, in Rust: turns an ICMP echo request (IPv4 without options)
/// around in a new frame. What the pinger costs on its own is measured against it.
pub struct Reflector {
    dev: SimDevice,
    pub answered: u64,
}

impl Reflector {
    pub fn new(end: SimEnd) -> Reflector {
        Reflector {
            dev: SimDevice::new(end),
            answered: 0,
        }
    }
}

impl Peer for Reflector {
    fn poll(&mut self) {
        while let Some(f) = self.dev.recv() {
            let d = f.data();
            // Ethernet + IPv4 (IHL 5) + ICMP echo request.
            if d.len() < 42
                || d[12..14] != [0x08, 0x00]
                || d[14] != 0x45
                || d[23] != 1
                || d[34] != 8
            {
                continue;
            }
            self.dev.send_with(d.len(), |b| {
                b.copy_from_slice(d);
                b[0..6].copy_from_slice(&d[6..12]);
                b[6..12].copy_from_slice(&d[0..6]);
                b[26..30].copy_from_slice(&d[30..34]);
                b[30..34].copy_from_slice(&d[26..30]);
                b[34] = 0;
                let c = u16::from_be_bytes([d[36], d[37]]) as u32 + 0x0800;
                let c = (c & 0xffff) + (c >> 16);
                b[36..38].copy_from_slice(&(c as u16).to_be_bytes());
            });
            self.answered += 1;
        }
    }
    fn wake_after(&mut self) -> Option<Duration> {
        self.dev.wake_after()
    }
}
