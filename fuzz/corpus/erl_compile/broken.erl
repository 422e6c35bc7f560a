-module(x).
f() -> "unterminated
