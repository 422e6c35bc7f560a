-module(pr2).
-export([main/0]).
main() -> 
  self() ! b, self() ! a, First = receive a -> got_a end, Second = receive M -> M end,
  erlang:display({First, Second}),
  T = receive nothing -> x after 10 -> timeout end,
  erlang:display(T),
  Q = spawn_link(fun() -> receive go -> ok end end), process_flag(trap_exit, true),
  Q2 = spawn_link(fun() -> exit(crashed) end), Ex = receive {'EXIT', Q2, R} -> R end,
  erlang:display(Ex),
  {Pm, Ref} = spawn_monitor(fun() -> error(boom) end), Down = receive {'DOWN', Ref, process, Pm, {Rsn, _}} -> Rsn end,
  erlang:display(Down),
  register(me, self()), me ! hi, Hi = receive hi -> hi end, W = whereis(me) =:= self(), unregister(me),
  Tm = erlang:send_after(5, self(), tick), Tick = receive tick -> tick end,
  erlang:display(Tick),
  Tr = erlang:start_timer(1000, self(), late), Cancel = is_integer(erlang:cancel_timer(Tr)),
  Q ! go, Ex2 = receive {'EXIT', Q, R2} -> R2 end,
  [First, Second, T, Ex, Down, Hi, W, is_reference(Tm), Tick, Cancel, Ex2].
