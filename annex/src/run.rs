//! `exo run`: a VM with the `pdu` module over the NIC the options name, output streamed as
//! the program prints (servers run until killed and must show their output live).

use crate::config::NetSetup;
use crate::natives::{self, SharedHost};
use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use vm::embed::Vm;
use vm::RunOutput;

/// Builds the VM: `pdu` natives over the host `setup` opens (a host without a NIC when none
/// is named, so `pdu:config()` still answers). Errors name the option that failed.
pub fn build_vm(setup: &NetSetup) -> Result<(Vm, SharedHost), String> {
    let host: SharedHost = Rc::new(RefCell::new(crate::setup::open_host(setup)?));
    let mut vm = Vm::new();
    natives::install(&mut vm, host.clone());
    Ok((vm, host))
}

/// Loads `files` and runs `module:function()`; with `stream`, output goes to this process's
/// stdout/stderr as it is printed instead of into the returned `RunOutput`.
pub fn run_files(
    files: &[PathBuf],
    module: &str,
    function: &str,
    print: bool,
    setup: &NetSetup,
    stream: bool,
) -> Result<RunOutput, String> {
    let (mut vm, _host) = build_vm(setup)?;
    if stream {
        vm.stream_output(
            Box::new(LineOut(std::io::stdout())),
            Box::new(std::io::stderr()),
        );
    }
    Ok(vm.run_files(files, module, function, print))
}

/// Flushes after every write: a server's output must reach a pipe as it is printed.
struct LineOut(std::io::Stdout);

impl Write for LineOut {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(b)?;
        self.0.flush()?;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
