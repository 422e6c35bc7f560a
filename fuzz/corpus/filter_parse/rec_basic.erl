-module(rec_basic).
-export([main/0]).
-record(person, {name, age = 0, email = undefined}).

main() ->
    P = #person{name = "Ann"},
    Q = P#person{age = 30},
    #person{name = N, age = A} = Q,
    io:format("~p~n~p~n", [P, Q]),
    {N, A, Q#person.email, #person.age, element(1, P), tuple_size(P)}.
