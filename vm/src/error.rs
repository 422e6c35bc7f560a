//! Compile errors and how they are shown: `file:line:col: message`, the source line, a caret.

use crate::lexer::Pos;

#[derive(Debug, Clone)]
pub struct CompileError {
    pub pos: Pos,
    pub msg: String,
}

impl CompileError {
    pub fn new(pos: Pos, msg: impl Into<String>) -> Self {
        CompileError {
            pos,
            msg: msg.into(),
        }
    }
}

impl From<crate::lexer::LexError> for CompileError {
    fn from(e: crate::lexer::LexError) -> Self {
        CompileError {
            pos: e.pos,
            msg: e.msg,
        }
    }
}

/// The files read during one compilation, indexed by `Pos::file`.
#[derive(Default, Debug, Clone)]
pub struct SourceMap {
    pub files: Vec<(String, String)>,
}

impl SourceMap {
    pub fn add(&mut self, name: String, src: String) -> u32 {
        self.files.push((name, src));
        (self.files.len() - 1) as u32
    }

    pub fn render(&self, e: &CompileError) -> String {
        let (name, src) = match self.files.get(e.pos.file as usize) {
            Some((n, s)) => (n.as_str(), s.as_str()),
            None => ("nofile", ""),
        };
        let mut out = format!("{}:{}:{}: {}\n", name, e.pos.line, e.pos.col, e.msg);
        if let Some(line) = src.lines().nth((e.pos.line as usize).saturating_sub(1)) {
            out.push_str(line);
            out.push('\n');
            let pad: String = line
                .chars()
                .take((e.pos.col as usize).saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&pad);
            out.push_str("^\n");
        }
        out
    }
}
