-module(bits_float).
-export([main/0]).

main() ->
    B64 = <<1.5/float>>, B32 = <<1.5:32/float>>, BL = <<-2.25:64/float-little>>,
    <<F64/float>> = B64, <<F32:32/float>> = B32, <<FL:64/float-little>> = BL,
    <<I:64/float>> = <<3:64/float>>,
    io:format("~w ~w ~w~n", [B64, B32, BL]),
    {F64, F32, FL, I, <<0.1:32/float>>}.
