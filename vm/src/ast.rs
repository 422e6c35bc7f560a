//! The abstract syntax of the supported Erlang subset, as the parser produces it.

use crate::lexer::Pos;
use crate::term::Term;

#[derive(Clone, Debug)]
pub enum Expr {
    Var(Pos, String),
    Lit(Pos, Term),
    Tuple(Pos, Vec<Expr>),
    Nil(Pos),
    Cons(Pos, Box<Expr>, Box<Expr>),
    Bin(Pos, Vec<BinElem>),
    Op(Pos, &'static str, Box<Expr>, Box<Expr>),
    Unary(Pos, &'static str, Box<Expr>),
    Match(Pos, Box<Expr>, Box<Expr>),
    /// `f(...)`, `M:F(...)` (fun is a `Remote`), or `Expr(...)`.
    Call(Pos, Box<Expr>, Vec<Expr>),
    Remote(Pos, Box<Expr>, Box<Expr>),
    Case(Pos, Box<Expr>, Vec<Clause>),
    If(Pos, Vec<Clause>),
    Receive(Pos, Vec<Clause>, Option<(Box<Expr>, Vec<Expr>)>),
    Try(Pos, Vec<Expr>, Vec<Clause>, Vec<Clause>, Vec<Expr>),
    Catch(Pos, Box<Expr>),
    Block(Pos, Vec<Expr>),
    Fun(Pos, Option<String>, Vec<Clause>),
    /// `fun f/1` (module None) or `fun M:F/A`.
    FunRef(Pos, Option<Box<Expr>>, Box<Expr>, Box<Expr>),
    ListComp(Pos, Box<Expr>, Vec<Qual>),
    BinComp(Pos, Box<Expr>, Vec<Qual>),
    /// `[Base]#name{Field = Value...}`; the last vector holds each field name's position.
    Record(
        Pos,
        Option<Box<Expr>>,
        String,
        Vec<(String, Expr)>,
        Vec<Pos>,
    ),
    /// `Base#name.field`; the last position is the field name's.
    RecordField(Pos, Box<Expr>, String, String, Pos),
    RecordIndex(Pos, String, String),
    /// `[Base]#{Key => Value, Key := Value...}` (true for `:=`); the last vector holds each
    /// field operator's position.
    Map(Pos, Option<Box<Expr>>, Vec<(Expr, bool, Expr)>, Vec<Pos>),
}

impl Expr {
    pub fn pos(&self) -> Pos {
        use Expr::*;
        match self {
            Var(p, _)
            | Lit(p, _)
            | Tuple(p, _)
            | Nil(p)
            | Cons(p, _, _)
            | Bin(p, _)
            | Op(p, _, _, _)
            | Unary(p, _, _)
            | Match(p, _, _)
            | Call(p, _, _)
            | Remote(p, _, _)
            | Case(p, _, _)
            | If(p, _)
            | Receive(p, _, _)
            | Try(p, _, _, _, _)
            | Catch(p, _)
            | Block(p, _)
            | Fun(p, _, _)
            | FunRef(p, _, _, _)
            | ListComp(p, _, _)
            | BinComp(p, _, _)
            | Record(p, _, _, _, _)
            | RecordField(p, _, _, _, _)
            | RecordIndex(p, _, _)
            | Map(p, _, _, _) => *p,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Clause {
    pub pos: Pos,
    pub pats: Vec<Expr>,
    /// Disjunction (`;`) of conjunctions (`,`).
    pub guards: Vec<Vec<Expr>>,
    pub body: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub enum Qual {
    Gen(Expr, Expr),
    BinGen(Expr, Expr),
    Filter(Expr),
}

#[derive(Clone, Debug)]
pub struct BinElem {
    pub pos: Pos,
    pub value: Expr,
    pub size: Option<Expr>,
    pub types: Vec<(String, Option<u32>)>,
}

/// What a type expression names that the module must define (remote types are not checked,
/// as erl_lint does not).
#[derive(Clone, Debug)]
pub enum TypeRef {
    /// `name(Args)` at the name: a built-in type or one of the module's `-type`s.
    Local(Pos, String, usize),
    /// `#name{...}` at the `#`.
    Record(Pos, String),
}

#[derive(Clone, Debug)]
pub enum Form {
    Module(Pos, String),
    /// The position is the attribute's name, where erl_lint reports its errors.
    Export(Pos, Vec<(String, usize)>),
    Import(Pos, String, Vec<(String, usize)>),
    /// The last field lists what the fields' type annotations refer to.
    /// The field names' positions follow the type references.
    Record(
        Pos,
        String,
        Vec<(String, Option<Expr>)>,
        Vec<TypeRef>,
        Vec<Pos>,
    ),
    /// `-type` or `-opaque`: position of the attribute's name, the type's name and arity,
    /// what its definition refers to, and a type variable used only once without being a
    /// parameter (erl_lint's "is unbound").
    Type(Pos, String, usize, Vec<TypeRef>, Option<(Pos, String)>),
    /// `-spec [Module:]Name(...) -> ...`: position of the attribute's name, the module if
    /// written, the function's name and arity, and what its types refer to.
    Spec(Pos, Option<String>, String, usize, Vec<TypeRef>),
    Function(Pos, String, usize, Vec<Clause>),
    /// `-compile(...)`: `export_all` given, and the functions named by `no_auto_import`.
    Compile(bool, Vec<(String, usize)>),
    Ignored,
}
