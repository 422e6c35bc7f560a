-module(conc_register_errors).
-export([main/0]).

%% register/whereis/unregister: the happy path and every badarg.
main() ->
    T = fun(F) -> try F() catch C:E -> {C, E} end end,
    P = spawn(fun() -> receive stop -> ok end end),
    Q = spawn(fun() -> receive stop -> ok end end),
    R = [T(fun() -> register(conc_reg_a, P) end),
         T(fun() -> whereis(conc_reg_a) =:= P end),
         T(fun() -> register(conc_reg_a, Q) end),            % name taken
         T(fun() -> register(conc_reg_b, P) end),            % process already named
         T(fun() -> register(undefined, Q) end),             % reserved
         T(fun() -> register("str", Q) end),
         T(fun() -> register(conc_reg_c, 42) end),
         T(fun() -> unregister(conc_reg_a) end),
         T(fun() -> unregister(conc_reg_a) end),             % not registered
         T(fun() -> whereis(conc_reg_a) end),
         T(fun() -> register(conc_reg_b, P) end),            % free again
         T(fun() -> whereis(conc_reg_nobody) end),
         T(fun() -> whereis("str") end),
         T(fun() -> unregister(42) end),
         T(fun() -> conc_reg_nobody ! hi end),               % send to unknown name
         T(fun() -> conc_reg_b ! hi end)],
    io:format("~p~n", [R]),
    %% A dead process cannot be registered; a dying one frees its name.
    Dead = spawn(fun() -> ok end),
    M = monitor(process, Dead),
    receive {'DOWN', M, _, _, _} -> ok end,
    R2 = T(fun() -> register(conc_reg_dead, Dead) end),
    Mb = monitor(process, P),
    P ! stop,
    receive {'DOWN', Mb, _, _, _} -> ok end,
    R3 = whereis(conc_reg_b),
    Q ! stop,
    io:format("~p ~p~n", [R2, R3]),
    R.
