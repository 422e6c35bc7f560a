//! Lowering: AST -> IR for a given link type.

use crate::ir::Pred;
use crate::lang::{Expr, FilterError};
use crate::LinkType;

pub fn lower(_e: &Expr, _link: LinkType) -> Result<Pred, FilterError> {
    Err(FilterError::new("lowering not built yet", 0..0))
}
