-module(json_like_encoder).
-export([main/0]).

enc(true) -> "true";
enc(false) -> "false";
enc(null) -> "null";
enc(N) when is_integer(N) -> integer_to_list(N);
enc(F) when is_float(F) -> float_to_list(F, [short]);
enc(B) when is_binary(B) -> [$", binary_to_list(B), $"];
enc(L) when is_list(L) -> [$[, lists:join($,, [enc(X) || X <- L]), $]];
enc(M) when is_map(M) -> [${, lists:join($,, [[enc(K), $:, enc(V)] || {K, V} <- lists:sort(maps:to_list(M))]), $}].
main() ->
    J = lists:flatten(enc(#{<<"a">> => [1, 2.5, true, null], <<"b">> => #{<<"c">> => <<"d">>}})),
    io:format("~s~n", [J]),
    J.
