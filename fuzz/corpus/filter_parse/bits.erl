-module(b).
f(<<A:4, B:A/binary, C/bits>>) -> << <<X:2>> || <<X:3>> <= C >>.
