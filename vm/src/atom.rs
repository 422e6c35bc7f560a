//! Global atom table. Atoms are interned once and compared by index; the table is shared by
//! every process (atoms are never garbage collected, as in OTP).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// An interned atom: an index into the global table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Atom(pub u32);

struct Table {
    names: Vec<&'static str>,
    index: HashMap<&'static str, u32>,
}

fn table() -> &'static RwLock<Table> {
    static T: OnceLock<RwLock<Table>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table {
            names: Vec::new(),
            index: HashMap::new(),
        };
        // Fixed indices for atoms the runtime names often (see the constants below).
        for n in PREDEFINED {
            let s: &'static str = n;
            t.index.insert(s, t.names.len() as u32);
            t.names.push(s);
        }
        RwLock::new(t)
    })
}

const PREDEFINED: &[&str] = &[
    "true",
    "false",
    "ok",
    "error",
    "undefined",
    "nil",
    "badarg",
    "badarith",
    "badmatch",
    "function_clause",
    "case_clause",
    "if_clause",
    "try_clause",
    "undef",
    "badfun",
    "badarity",
    "badrecord",
    "badmap",
    "badkey",
    "throw",
    "exit",
    "normal",
    "erlang",
    "infinity",
    "system_limit",
    "EXIT",
    "DOWN",
    "process",
    "noproc",
    "kill",
    "killed",
    "timeout",
    "",
];

pub const TRUE: Atom = Atom(0);
pub const FALSE: Atom = Atom(1);
pub const OK: Atom = Atom(2);
pub const ERROR: Atom = Atom(3);
pub const UNDEFINED: Atom = Atom(4);
pub const BADARG: Atom = Atom(6);
pub const BADARITH: Atom = Atom(7);
pub const BADMATCH: Atom = Atom(8);
pub const FUNCTION_CLAUSE: Atom = Atom(9);
pub const CASE_CLAUSE: Atom = Atom(10);
pub const IF_CLAUSE: Atom = Atom(11);
pub const TRY_CLAUSE: Atom = Atom(12);
pub const UNDEF: Atom = Atom(13);
pub const BADFUN: Atom = Atom(14);
pub const BADARITY: Atom = Atom(15);
pub const BADRECORD: Atom = Atom(16);
pub const BADMAP: Atom = Atom(17);
pub const BADKEY: Atom = Atom(18);
pub const THROW: Atom = Atom(19);
pub const EXIT: Atom = Atom(20);
pub const NORMAL: Atom = Atom(21);
pub const ERLANG: Atom = Atom(22);
pub const INFINITY: Atom = Atom(23);
pub const SYSTEM_LIMIT: Atom = Atom(24);
/// `'EXIT'`, the tag of caught errors and exit messages (distinct from the class `exit`).
pub const EXIT_TAG: Atom = Atom(25);

impl Atom {
    /// Interns `name`, returning its atom.
    pub fn intern(name: &str) -> Atom {
        if let Some(&i) = table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .get(name)
        {
            return Atom(i);
        }
        let mut t = table().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = t.index.get(name) {
            return Atom(i);
        }
        let s: &'static str = Box::leak(name.to_string().into_boxed_str());
        let i = t.names.len() as u32;
        t.names.push(s);
        t.index.insert(s, i);
        Atom(i)
    }

    /// The atom's text, if it already exists (used by `list_to_existing_atom`).
    pub fn existing(name: &str) -> Option<Atom> {
        table()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .get(name)
            .map(|&i| Atom(i))
    }

    pub fn name(self) -> &'static str {
        // Names are leaked and atoms never removed, so a thread's copy of the name list stays
        // valid; it is refreshed from the shared table only for atoms created since. Term order
        // compares atoms by name (every atom-keyed map lookup does), and taking the table's
        // lock for each comparison showed at ~6% of the protocol stack's profile.
        thread_local! {
            static NAMES: std::cell::RefCell<Vec<&'static str>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let i = self.0 as usize;
        NAMES.with(|n| {
            let mut n = n.borrow_mut();
            if i >= n.len() {
                let t = table().read().unwrap_or_else(|e| e.into_inner());
                let have = n.len();
                n.extend_from_slice(&t.names[have..]);
            }
            n[i]
        })
    }

    pub fn from_bool(b: bool) -> Atom {
        if b {
            TRUE
        } else {
            FALSE
        }
    }
}
