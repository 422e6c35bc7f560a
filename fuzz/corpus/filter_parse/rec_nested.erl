-module(rec_nested).
-export([main/0]).
-record(addr, {city, zip = "00000"}).
-record(emp, {name, addr = #addr{}}).

main() ->
    E = #emp{name = bob, addr = #addr{city = "Oslo"}},
    City = E#emp.addr#addr.city,
    E2 = E#emp{addr = (E#emp.addr)#addr{zip = "0150"}},
    io:format("~p~n~p~n", [E, E2]),
    {City, E2}.
