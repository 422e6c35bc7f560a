-module(rec_info_and_defaults).
-export([main/0]).
-record(cfg, {host = "localhost", port = 8080, opts = [], timeout = 5000 * 2}).

main() ->
    C = #cfg{},
    R = [record_info(fields, cfg), record_info(size, cfg), C, C#cfg{port = 1}, #cfg{_ = x}, #cfg{host = h, _ = y}],
    io:format("~p~n", [R]),
    R.
