%% unicode_util: the code-point and grapheme-cluster primitives that `string` is built on.
%%
%% OTP's unicode_util is generated from the full Unicode database (15,000 lines). Our VM runs
%% protocol code that handles ASCII and latin1 text, so this module keeps OTP's exact interface
%% and return shapes (`[GC | Rest]`, `[]`, `{error, Rest}`) and the exact behaviour for code
%% points below 0x530 (Latin, Greek, Cyrillic), but simplifies grapheme clustering to the rules
%% that matter there: CR LF is one cluster, and combining marks extend the preceding character.
%% Case tables below were generated from OTP 25's own unicode_util (see docs/erlstd.md).
-module(unicode_util).

-export([cp/1, gc/1, uppercase/1, lowercase/1, titlecase/1, casefold/1, whitespace/0,
         is_whitespace/1]).

-spec whitespace() -> [term()].
whitespace() -> [[13, 10], 9, 10, 11, 12, 13, 32, 133, 8206, 8207, 8232, 8233].

is_whitespace([13, 10]) -> true;
is_whitespace(C) when C =:= 9; C =:= 10; C =:= 11; C =:= 12; C =:= 13; C =:= 32 -> true;
is_whitespace(C) when C =:= 133; C =:= 8206; C =:= 8207; C =:= 8232; C =:= 8233 -> true;
is_whitespace(_) -> false.

uppercase(Str0) -> case_map(fun uppercase_cp/1, Str0).
lowercase(Str0) -> case_map(fun lowercase_cp/1, Str0).
titlecase(Str0) -> case_map(fun titlecase_cp/1, Str0).
casefold(Str0) -> case_map(fun casefold_cp/1, Str0).

case_map(Map, Str0) ->
    case cp(Str0) of
        [CP | Str] -> [Map(CP) | Str];
        [] -> [];
        {error, Err} -> error({badarg, Err})
    end.

%% Next code point of chardata; the helpers flatten just enough of a deep list to expose up
%% to three code points, as OTP does, so that callers see the same rest shapes.
cp([C | _] = L) when is_integer(C) -> L;
cp([List]) -> cp(List);
cp([List | R]) -> cpl(List, R);
cp([]) -> [];
cp(<<C/utf8, R/binary>>) -> [C | R];
cp(<<>>) -> [];
cp(<<R/binary>>) -> {error, R}.

cpl([C], R) when is_integer(C) -> [C | cpl_1_cont(R)];
cpl([C | T], R) when is_integer(C) -> [C | cpl_cont(T, R)];
cpl([List], R) -> cpl(List, R);
cpl([List | T], R) -> cpl(List, [T | R]);
cpl([], R) -> cp(R);
cpl(<<C/utf8, T/binary>>, R) -> [C, T | R];
cpl(<<>>, R) -> cp(R);
cpl(<<B/binary>>, R) -> {error, [B | R]}.

cpl_cont([C | T], R) when is_integer(C) -> [C | cpl_cont2(T, R)];
cpl_cont([L], R) -> cpl_cont(L, R);
cpl_cont([L | T], R) -> cpl_cont(L, [T | R]);
cpl_cont([], R) -> cpl_1_cont(R);
cpl_cont(T, R) -> [T | R].

cpl_cont2([C | T], R) when is_integer(C) -> [C | cpl_cont3(T, R)];
cpl_cont2([L], R) -> cpl_cont2(L, R);
cpl_cont2([L | T], R) -> cpl_cont2(L, [T | R]);
cpl_cont2([], R) -> cpl_1_cont2(R);
cpl_cont2(T, R) -> [T | R].

cpl_cont3([C], R) when is_integer(C) -> [C | R];
cpl_cont3([C | T], R) when is_integer(C) -> [C, T | R];
cpl_cont3([L], R) -> cpl_cont3(L, R);
cpl_cont3([L | T], R) -> cpl_cont3(L, [T | R]);
cpl_cont3([], R) -> cpl_1_cont3(R);
cpl_cont3(T, R) -> [T | R].

cpl_1_cont([C | T]) when is_integer(C) -> [C | cpl_1_cont2(T)];
cpl_1_cont([L]) -> cpl_1_cont(L);
cpl_1_cont([L | T]) -> cpl_cont(L, T);
cpl_1_cont(T) -> T.

cpl_1_cont2([C | T]) when is_integer(C) -> [C | cpl_1_cont3(T)];
cpl_1_cont2([L]) -> cpl_1_cont2(L);
cpl_1_cont2([L | T]) -> cpl_cont2(L, T);
cpl_1_cont2(T) -> T.

cpl_1_cont3([C | _] = T) when is_integer(C) -> T;
cpl_1_cont3([L]) -> cpl_1_cont3(L);
cpl_1_cont3([L | T]) -> cpl_cont3(L, T);
cpl_1_cont3(T) -> T.

cp_no_bin([C | _] = L) when is_integer(C) -> L;
cp_no_bin([List]) -> cp_no_bin(List);
cp_no_bin([List | R]) -> cp_no_binl(List, R);
cp_no_bin([]) -> [];
cp_no_bin(_) -> binary_found.

cp_no_binl([C], R) when is_integer(C) -> [C | cpl_1_cont(R)];
cp_no_binl([C | T], R) when is_integer(C) -> [C | cpl_cont(T, R)];
cp_no_binl([List], R) -> cp_no_binl(List, R);
cp_no_binl([List | T], R) -> cp_no_binl(List, [T | R]);
cp_no_binl([], R) -> cp_no_bin(R);
cp_no_binl(_, _) -> binary_found.

%% Next grapheme cluster. The latin1 fast paths are OTP's, so the rest is returned untouched
%% whenever OTP returns it untouched.
gc([] = R) -> R;
gc([CP] = R) when is_integer(CP) -> R;
gc([$\r = CP | R0]) ->
    case cp(R0) of
        [$\n | R1] -> [[$\r, $\n] | R1];
        T -> [CP | T]
    end;
gc([CP1 | T1] = T) when CP1 < 256 ->
    case T1 of
        [CP2 | _] when CP2 < 256 -> T;
        _ ->
            case cp_no_bin(T1) of
                [CP2 | _] = T3 when CP2 < 256 -> [CP1 | T3];
                binary_found -> gc_1(T);
                T4 -> gc_1([CP1 | T4])
            end
    end;
gc(<<>>) -> [];
gc(<<CP1/utf8, Rest/binary>>) ->
    if CP1 < 256, CP1 =/= $\r ->
           case Rest of
               <<CP2/utf8, _/binary>> when CP2 < 256 -> [CP1 | Rest];
               _ -> gc_1([CP1 | Rest])
           end;
       true -> gc_1([CP1 | Rest])
    end;
gc([CP | _] = T) when is_integer(CP) -> gc_1(T);
gc(Str) ->
    case cp(Str) of
        {error, _} = Error -> Error;
        CPs -> gc(CPs)
    end.

gc_1([$\r | R0] = R) ->
    case cp(R0) of
        [$\n | R1] -> [[$\r, $\n] | R1];
        _ -> R
    end;
%% Control characters never take extending marks.
gc_1([CP | _] = R0) when CP < 32; CP >= 127, CP < 160 -> R0;
gc_1([CP | R]) -> gc_extend(cp(R), R, CP).

gc_extend([CP | T], T0, CP0) ->
    case is_extend(CP) of
        false -> [CP0 | T0];
        true -> gc_extend2(cp(T), T, [CP, CP0])
    end;
gc_extend([], T0, CP) -> [CP | T0];
gc_extend({error, R}, _, CP) -> [CP | R].

gc_extend2([CP | T], T0, Acc) ->
    case is_extend(CP) of
        false -> [lists:reverse(Acc) | T0];
        true -> gc_extend2(cp(T), T, [CP | Acc])
    end;
gc_extend2([], T0, Acc) -> [lists:reverse(Acc) | T0];
gc_extend2({error, R}, _, Acc) -> [lists:reverse(Acc)] ++ [R].

%% Combining marks, joiners and variation selectors: the extenders latin text meets.
is_extend(CP) when CP >= 16#300, CP =< 16#36F -> true;
is_extend(CP) when CP >= 16#483, CP =< 16#489 -> true;
is_extend(CP) when CP >= 16#1AB0, CP =< 16#1AFF -> true;
is_extend(CP) when CP >= 16#1DC0, CP =< 16#1DFF -> true;
is_extend(CP) when CP =:= 16#200C; CP =:= 16#200D -> true;
is_extend(CP) when CP >= 16#20D0, CP =< 16#20F0 -> true;
is_extend(CP) when CP >= 16#FE00, CP =< 16#FE0F -> true;
is_extend(CP) when CP >= 16#FE20, CP =< 16#FE2F -> true;
is_extend(_) -> false.

%% Case tables for U+0000..U+052F, generated from OTP 25's unicode_util.
uppercase_cp(223) -> [83,83];
uppercase_cp(329) -> [700,78];
uppercase_cp(496) -> [74,780];
uppercase_cp(912) -> [921,776,769];
uppercase_cp(944) -> [933,776,769];
uppercase_cp(C) when C >= 97, C =< 122 -> C - 32;
uppercase_cp(181) -> 924;
uppercase_cp(C) when C >= 224, C =< 246 -> C - 32;
uppercase_cp(C) when C >= 248, C =< 254 -> C - 32;
uppercase_cp(255) -> 376;
uppercase_cp(C) when C >= 257, C =< 303, (C - 257) rem 2 =:= 0 -> C - 1;
uppercase_cp(305) -> 73;
uppercase_cp(C) when C >= 307, C =< 311, (C - 307) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) when C >= 314, C =< 328, (C - 314) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) when C >= 331, C =< 375, (C - 331) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) when C >= 378, C =< 382, (C - 378) rem 2 =:= 0 -> C - 1;
uppercase_cp(383) -> 83;
uppercase_cp(384) -> 579;
uppercase_cp(C) when C >= 387, C =< 389, (C - 387) rem 2 =:= 0 -> C - 1;
uppercase_cp(392) -> 391;
uppercase_cp(396) -> 395;
uppercase_cp(402) -> 401;
uppercase_cp(405) -> 502;
uppercase_cp(409) -> 408;
uppercase_cp(410) -> 573;
uppercase_cp(414) -> 544;
uppercase_cp(C) when C >= 417, C =< 421, (C - 417) rem 2 =:= 0 -> C - 1;
uppercase_cp(424) -> 423;
uppercase_cp(429) -> 428;
uppercase_cp(432) -> 431;
uppercase_cp(C) when C >= 436, C =< 438, (C - 436) rem 2 =:= 0 -> C - 1;
uppercase_cp(441) -> 440;
uppercase_cp(445) -> 444;
uppercase_cp(447) -> 503;
uppercase_cp(453) -> 452;
uppercase_cp(454) -> 452;
uppercase_cp(456) -> 455;
uppercase_cp(457) -> 455;
uppercase_cp(459) -> 458;
uppercase_cp(460) -> 458;
uppercase_cp(C) when C >= 462, C =< 476, (C - 462) rem 2 =:= 0 -> C - 1;
uppercase_cp(477) -> 398;
uppercase_cp(C) when C >= 479, C =< 495, (C - 479) rem 2 =:= 0 -> C - 1;
uppercase_cp(498) -> 497;
uppercase_cp(499) -> 497;
uppercase_cp(501) -> 500;
uppercase_cp(C) when C >= 505, C =< 543, (C - 505) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) when C >= 547, C =< 563, (C - 547) rem 2 =:= 0 -> C - 1;
uppercase_cp(572) -> 571;
uppercase_cp(C) when C >= 575, C =< 576 -> C + 10815;
uppercase_cp(578) -> 577;
uppercase_cp(C) when C >= 583, C =< 591, (C - 583) rem 2 =:= 0 -> C - 1;
uppercase_cp(592) -> 11375;
uppercase_cp(593) -> 11373;
uppercase_cp(594) -> 11376;
uppercase_cp(595) -> 385;
uppercase_cp(596) -> 390;
uppercase_cp(C) when C >= 598, C =< 599 -> C - 205;
uppercase_cp(601) -> 399;
uppercase_cp(603) -> 400;
uppercase_cp(604) -> 42923;
uppercase_cp(608) -> 403;
uppercase_cp(609) -> 42924;
uppercase_cp(611) -> 404;
uppercase_cp(613) -> 42893;
uppercase_cp(614) -> 42922;
uppercase_cp(616) -> 407;
uppercase_cp(617) -> 406;
uppercase_cp(618) -> 42926;
uppercase_cp(619) -> 11362;
uppercase_cp(620) -> 42925;
uppercase_cp(623) -> 412;
uppercase_cp(625) -> 11374;
uppercase_cp(626) -> 413;
uppercase_cp(629) -> 415;
uppercase_cp(637) -> 11364;
uppercase_cp(640) -> 422;
uppercase_cp(642) -> 42949;
uppercase_cp(643) -> 425;
uppercase_cp(647) -> 42929;
uppercase_cp(648) -> 430;
uppercase_cp(649) -> 580;
uppercase_cp(C) when C >= 650, C =< 651 -> C - 217;
uppercase_cp(652) -> 581;
uppercase_cp(658) -> 439;
uppercase_cp(669) -> 42930;
uppercase_cp(670) -> 42928;
uppercase_cp(837) -> 921;
uppercase_cp(C) when C >= 881, C =< 883, (C - 881) rem 2 =:= 0 -> C - 1;
uppercase_cp(887) -> 886;
uppercase_cp(C) when C >= 891, C =< 893 -> C + 130;
uppercase_cp(940) -> 902;
uppercase_cp(C) when C >= 941, C =< 943 -> C - 37;
uppercase_cp(C) when C >= 945, C =< 961 -> C - 32;
uppercase_cp(962) -> 931;
uppercase_cp(C) when C >= 963, C =< 971 -> C - 32;
uppercase_cp(972) -> 908;
uppercase_cp(C) when C >= 973, C =< 974 -> C - 63;
uppercase_cp(976) -> 914;
uppercase_cp(977) -> 920;
uppercase_cp(981) -> 934;
uppercase_cp(982) -> 928;
uppercase_cp(983) -> 975;
uppercase_cp(C) when C >= 985, C =< 1007, (C - 985) rem 2 =:= 0 -> C - 1;
uppercase_cp(1008) -> 922;
uppercase_cp(1009) -> 929;
uppercase_cp(1010) -> 1017;
uppercase_cp(1011) -> 895;
uppercase_cp(1013) -> 917;
uppercase_cp(1016) -> 1015;
uppercase_cp(1019) -> 1018;
uppercase_cp(C) when C >= 1072, C =< 1103 -> C - 32;
uppercase_cp(C) when C >= 1104, C =< 1119 -> C - 80;
uppercase_cp(C) when C >= 1121, C =< 1153, (C - 1121) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) when C >= 1163, C =< 1215, (C - 1163) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) when C >= 1218, C =< 1230, (C - 1218) rem 2 =:= 0 -> C - 1;
uppercase_cp(1231) -> 1216;
uppercase_cp(C) when C >= 1233, C =< 1327, (C - 1233) rem 2 =:= 0 -> C - 1;
uppercase_cp(C) -> C.

lowercase_cp(304) -> [105,775];
lowercase_cp(C) when C >= 65, C =< 90 -> C + 32;
lowercase_cp(C) when C >= 192, C =< 214 -> C + 32;
lowercase_cp(C) when C >= 216, C =< 222 -> C + 32;
lowercase_cp(C) when C >= 256, C =< 302, (C - 256) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 306, C =< 310, (C - 306) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 313, C =< 327, (C - 313) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 330, C =< 374, (C - 330) rem 2 =:= 0 -> C + 1;
lowercase_cp(376) -> 255;
lowercase_cp(C) when C >= 377, C =< 381, (C - 377) rem 2 =:= 0 -> C + 1;
lowercase_cp(385) -> 595;
lowercase_cp(C) when C >= 386, C =< 388, (C - 386) rem 2 =:= 0 -> C + 1;
lowercase_cp(390) -> 596;
lowercase_cp(391) -> 392;
lowercase_cp(C) when C >= 393, C =< 394 -> C + 205;
lowercase_cp(395) -> 396;
lowercase_cp(398) -> 477;
lowercase_cp(399) -> 601;
lowercase_cp(400) -> 603;
lowercase_cp(401) -> 402;
lowercase_cp(403) -> 608;
lowercase_cp(404) -> 611;
lowercase_cp(406) -> 617;
lowercase_cp(407) -> 616;
lowercase_cp(408) -> 409;
lowercase_cp(412) -> 623;
lowercase_cp(413) -> 626;
lowercase_cp(415) -> 629;
lowercase_cp(C) when C >= 416, C =< 420, (C - 416) rem 2 =:= 0 -> C + 1;
lowercase_cp(422) -> 640;
lowercase_cp(423) -> 424;
lowercase_cp(425) -> 643;
lowercase_cp(428) -> 429;
lowercase_cp(430) -> 648;
lowercase_cp(431) -> 432;
lowercase_cp(C) when C >= 433, C =< 434 -> C + 217;
lowercase_cp(C) when C >= 435, C =< 437, (C - 435) rem 2 =:= 0 -> C + 1;
lowercase_cp(439) -> 658;
lowercase_cp(440) -> 441;
lowercase_cp(444) -> 445;
lowercase_cp(452) -> 454;
lowercase_cp(453) -> 454;
lowercase_cp(455) -> 457;
lowercase_cp(456) -> 457;
lowercase_cp(458) -> 460;
lowercase_cp(C) when C >= 459, C =< 475, (C - 459) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 478, C =< 494, (C - 478) rem 2 =:= 0 -> C + 1;
lowercase_cp(497) -> 499;
lowercase_cp(C) when C >= 498, C =< 500, (C - 498) rem 2 =:= 0 -> C + 1;
lowercase_cp(502) -> 405;
lowercase_cp(503) -> 447;
lowercase_cp(C) when C >= 504, C =< 542, (C - 504) rem 2 =:= 0 -> C + 1;
lowercase_cp(544) -> 414;
lowercase_cp(C) when C >= 546, C =< 562, (C - 546) rem 2 =:= 0 -> C + 1;
lowercase_cp(570) -> 11365;
lowercase_cp(571) -> 572;
lowercase_cp(573) -> 410;
lowercase_cp(574) -> 11366;
lowercase_cp(577) -> 578;
lowercase_cp(579) -> 384;
lowercase_cp(580) -> 649;
lowercase_cp(581) -> 652;
lowercase_cp(C) when C >= 582, C =< 590, (C - 582) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 880, C =< 882, (C - 880) rem 2 =:= 0 -> C + 1;
lowercase_cp(886) -> 887;
lowercase_cp(895) -> 1011;
lowercase_cp(902) -> 940;
lowercase_cp(C) when C >= 904, C =< 906 -> C + 37;
lowercase_cp(908) -> 972;
lowercase_cp(C) when C >= 910, C =< 911 -> C + 63;
lowercase_cp(C) when C >= 913, C =< 929 -> C + 32;
lowercase_cp(C) when C >= 931, C =< 939 -> C + 32;
lowercase_cp(975) -> 983;
lowercase_cp(C) when C >= 984, C =< 1006, (C - 984) rem 2 =:= 0 -> C + 1;
lowercase_cp(1012) -> 952;
lowercase_cp(1015) -> 1016;
lowercase_cp(1017) -> 1010;
lowercase_cp(1018) -> 1019;
lowercase_cp(C) when C >= 1021, C =< 1023 -> C - 130;
lowercase_cp(C) when C >= 1024, C =< 1039 -> C + 80;
lowercase_cp(C) when C >= 1040, C =< 1071 -> C + 32;
lowercase_cp(C) when C >= 1120, C =< 1152, (C - 1120) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 1162, C =< 1214, (C - 1162) rem 2 =:= 0 -> C + 1;
lowercase_cp(1216) -> 1231;
lowercase_cp(C) when C >= 1217, C =< 1229, (C - 1217) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) when C >= 1232, C =< 1326, (C - 1232) rem 2 =:= 0 -> C + 1;
lowercase_cp(C) -> C.

titlecase_cp(223) -> [83,115];
titlecase_cp(329) -> [700,78];
titlecase_cp(496) -> [74,780];
titlecase_cp(912) -> [921,776,769];
titlecase_cp(944) -> [933,776,769];
titlecase_cp(C) when C >= 97, C =< 122 -> C - 32;
titlecase_cp(181) -> 924;
titlecase_cp(C) when C >= 224, C =< 246 -> C - 32;
titlecase_cp(C) when C >= 248, C =< 254 -> C - 32;
titlecase_cp(255) -> 376;
titlecase_cp(C) when C >= 257, C =< 303, (C - 257) rem 2 =:= 0 -> C - 1;
titlecase_cp(305) -> 73;
titlecase_cp(C) when C >= 307, C =< 311, (C - 307) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 314, C =< 328, (C - 314) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 331, C =< 375, (C - 331) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 378, C =< 382, (C - 378) rem 2 =:= 0 -> C - 1;
titlecase_cp(383) -> 83;
titlecase_cp(384) -> 579;
titlecase_cp(C) when C >= 387, C =< 389, (C - 387) rem 2 =:= 0 -> C - 1;
titlecase_cp(392) -> 391;
titlecase_cp(396) -> 395;
titlecase_cp(402) -> 401;
titlecase_cp(405) -> 502;
titlecase_cp(409) -> 408;
titlecase_cp(410) -> 573;
titlecase_cp(414) -> 544;
titlecase_cp(C) when C >= 417, C =< 421, (C - 417) rem 2 =:= 0 -> C - 1;
titlecase_cp(424) -> 423;
titlecase_cp(429) -> 428;
titlecase_cp(432) -> 431;
titlecase_cp(C) when C >= 436, C =< 438, (C - 436) rem 2 =:= 0 -> C - 1;
titlecase_cp(441) -> 440;
titlecase_cp(445) -> 444;
titlecase_cp(447) -> 503;
titlecase_cp(452) -> 453;
titlecase_cp(454) -> 453;
titlecase_cp(455) -> 456;
titlecase_cp(457) -> 456;
titlecase_cp(458) -> 459;
titlecase_cp(C) when C >= 460, C =< 476, (C - 460) rem 2 =:= 0 -> C - 1;
titlecase_cp(477) -> 398;
titlecase_cp(C) when C >= 479, C =< 495, (C - 479) rem 2 =:= 0 -> C - 1;
titlecase_cp(497) -> 498;
titlecase_cp(C) when C >= 499, C =< 501, (C - 499) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 505, C =< 543, (C - 505) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 547, C =< 563, (C - 547) rem 2 =:= 0 -> C - 1;
titlecase_cp(572) -> 571;
titlecase_cp(C) when C >= 575, C =< 576 -> C + 10815;
titlecase_cp(578) -> 577;
titlecase_cp(C) when C >= 583, C =< 591, (C - 583) rem 2 =:= 0 -> C - 1;
titlecase_cp(592) -> 11375;
titlecase_cp(593) -> 11373;
titlecase_cp(594) -> 11376;
titlecase_cp(595) -> 385;
titlecase_cp(596) -> 390;
titlecase_cp(C) when C >= 598, C =< 599 -> C - 205;
titlecase_cp(601) -> 399;
titlecase_cp(603) -> 400;
titlecase_cp(604) -> 42923;
titlecase_cp(608) -> 403;
titlecase_cp(609) -> 42924;
titlecase_cp(611) -> 404;
titlecase_cp(613) -> 42893;
titlecase_cp(614) -> 42922;
titlecase_cp(616) -> 407;
titlecase_cp(617) -> 406;
titlecase_cp(618) -> 42926;
titlecase_cp(619) -> 11362;
titlecase_cp(620) -> 42925;
titlecase_cp(623) -> 412;
titlecase_cp(625) -> 11374;
titlecase_cp(626) -> 413;
titlecase_cp(629) -> 415;
titlecase_cp(637) -> 11364;
titlecase_cp(640) -> 422;
titlecase_cp(642) -> 42949;
titlecase_cp(643) -> 425;
titlecase_cp(647) -> 42929;
titlecase_cp(648) -> 430;
titlecase_cp(649) -> 580;
titlecase_cp(C) when C >= 650, C =< 651 -> C - 217;
titlecase_cp(652) -> 581;
titlecase_cp(658) -> 439;
titlecase_cp(669) -> 42930;
titlecase_cp(670) -> 42928;
titlecase_cp(837) -> 921;
titlecase_cp(C) when C >= 881, C =< 883, (C - 881) rem 2 =:= 0 -> C - 1;
titlecase_cp(887) -> 886;
titlecase_cp(C) when C >= 891, C =< 893 -> C + 130;
titlecase_cp(940) -> 902;
titlecase_cp(C) when C >= 941, C =< 943 -> C - 37;
titlecase_cp(C) when C >= 945, C =< 961 -> C - 32;
titlecase_cp(962) -> 931;
titlecase_cp(C) when C >= 963, C =< 971 -> C - 32;
titlecase_cp(972) -> 908;
titlecase_cp(C) when C >= 973, C =< 974 -> C - 63;
titlecase_cp(976) -> 914;
titlecase_cp(977) -> 920;
titlecase_cp(981) -> 934;
titlecase_cp(982) -> 928;
titlecase_cp(983) -> 975;
titlecase_cp(C) when C >= 985, C =< 1007, (C - 985) rem 2 =:= 0 -> C - 1;
titlecase_cp(1008) -> 922;
titlecase_cp(1009) -> 929;
titlecase_cp(1010) -> 1017;
titlecase_cp(1011) -> 895;
titlecase_cp(1013) -> 917;
titlecase_cp(1016) -> 1015;
titlecase_cp(1019) -> 1018;
titlecase_cp(C) when C >= 1072, C =< 1103 -> C - 32;
titlecase_cp(C) when C >= 1104, C =< 1119 -> C - 80;
titlecase_cp(C) when C >= 1121, C =< 1153, (C - 1121) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 1163, C =< 1215, (C - 1163) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) when C >= 1218, C =< 1230, (C - 1218) rem 2 =:= 0 -> C - 1;
titlecase_cp(1231) -> 1216;
titlecase_cp(C) when C >= 1233, C =< 1327, (C - 1233) rem 2 =:= 0 -> C - 1;
titlecase_cp(C) -> C.

casefold_cp(223) -> [115,115];
casefold_cp(304) -> [105,775];
casefold_cp(329) -> [700,110];
casefold_cp(496) -> [106,780];
casefold_cp(912) -> [953,776,769];
casefold_cp(944) -> [965,776,769];
casefold_cp(C) when C >= 65, C =< 90 -> C + 32;
casefold_cp(181) -> 956;
casefold_cp(C) when C >= 192, C =< 214 -> C + 32;
casefold_cp(C) when C >= 216, C =< 222 -> C + 32;
casefold_cp(C) when C >= 256, C =< 302, (C - 256) rem 2 =:= 0 -> C + 1;
casefold_cp(C) when C >= 306, C =< 310, (C - 306) rem 2 =:= 0 -> C + 1;
casefold_cp(C) when C >= 313, C =< 327, (C - 313) rem 2 =:= 0 -> C + 1;
casefold_cp(C) when C >= 330, C =< 374, (C - 330) rem 2 =:= 0 -> C + 1;
casefold_cp(376) -> 255;
casefold_cp(C) when C >= 377, C =< 381, (C - 377) rem 2 =:= 0 -> C + 1;
casefold_cp(383) -> 115;
casefold_cp(385) -> 595;
casefold_cp(C) when C >= 386, C =< 388, (C - 386) rem 2 =:= 0 -> C + 1;
casefold_cp(390) -> 596;
casefold_cp(391) -> 392;
casefold_cp(C) when C >= 393, C =< 394 -> C + 205;
casefold_cp(395) -> 396;
casefold_cp(398) -> 477;
casefold_cp(399) -> 601;
casefold_cp(400) -> 603;
casefold_cp(401) -> 402;
casefold_cp(403) -> 608;
casefold_cp(404) -> 611;
casefold_cp(406) -> 617;
casefold_cp(407) -> 616;
casefold_cp(408) -> 409;
casefold_cp(412) -> 623;
casefold_cp(413) -> 626;
casefold_cp(415) -> 629;
casefold_cp(C) when C >= 416, C =< 420, (C - 416) rem 2 =:= 0 -> C + 1;
casefold_cp(422) -> 640;
casefold_cp(423) -> 424;
casefold_cp(425) -> 643;
casefold_cp(428) -> 429;
casefold_cp(430) -> 648;
casefold_cp(431) -> 432;
casefold_cp(C) when C >= 433, C =< 434 -> C + 217;
casefold_cp(C) when C >= 435, C =< 437, (C - 435) rem 2 =:= 0 -> C + 1;
casefold_cp(439) -> 658;
casefold_cp(440) -> 441;
casefold_cp(444) -> 445;
casefold_cp(452) -> 454;
casefold_cp(453) -> 454;
casefold_cp(455) -> 457;
casefold_cp(456) -> 457;
casefold_cp(458) -> 460;
casefold_cp(C) when C >= 459, C =< 475, (C - 459) rem 2 =:= 0 -> C + 1;
casefold_cp(C) when C >= 478, C =< 494, (C - 478) rem 2 =:= 0 -> C + 1;
casefold_cp(497) -> 499;
casefold_cp(C) when C >= 498, C =< 500, (C - 498) rem 2 =:= 0 -> C + 1;
casefold_cp(502) -> 405;
casefold_cp(503) -> 447;
casefold_cp(C) when C >= 504, C =< 542, (C - 504) rem 2 =:= 0 -> C + 1;
casefold_cp(544) -> 414;
casefold_cp(C) when C >= 546, C =< 562, (C - 546) rem 2 =:= 0 -> C + 1;
casefold_cp(570) -> 11365;
casefold_cp(571) -> 572;
casefold_cp(573) -> 410;
casefold_cp(574) -> 11366;
casefold_cp(577) -> 578;
casefold_cp(579) -> 384;
casefold_cp(580) -> 649;
casefold_cp(581) -> 652;
casefold_cp(C) when C >= 582, C =< 590, (C - 582) rem 2 =:= 0 -> C + 1;
casefold_cp(837) -> 953;
casefold_cp(C) when C >= 880, C =< 882, (C - 880) rem 2 =:= 0 -> C + 1;
casefold_cp(886) -> 887;
casefold_cp(895) -> 1011;
casefold_cp(902) -> 940;
casefold_cp(C) when C >= 904, C =< 906 -> C + 37;
casefold_cp(908) -> 972;
casefold_cp(C) when C >= 910, C =< 911 -> C + 63;
casefold_cp(C) when C >= 913, C =< 929 -> C + 32;
casefold_cp(C) when C >= 931, C =< 939 -> C + 32;
casefold_cp(962) -> 963;
casefold_cp(975) -> 983;
casefold_cp(976) -> 946;
casefold_cp(977) -> 952;
casefold_cp(981) -> 966;
casefold_cp(982) -> 960;
casefold_cp(C) when C >= 984, C =< 1006, (C - 984) rem 2 =:= 0 -> C + 1;
casefold_cp(1008) -> 954;
casefold_cp(1009) -> 961;
casefold_cp(1012) -> 952;
casefold_cp(1013) -> 949;
casefold_cp(1015) -> 1016;
casefold_cp(1017) -> 1010;
casefold_cp(1018) -> 1019;
casefold_cp(C) when C >= 1021, C =< 1023 -> C - 130;
casefold_cp(C) when C >= 1024, C =< 1039 -> C + 80;
casefold_cp(C) when C >= 1040, C =< 1071 -> C + 32;
casefold_cp(C) when C >= 1120, C =< 1152, (C - 1120) rem 2 =:= 0 -> C + 1;
casefold_cp(C) when C >= 1162, C =< 1214, (C - 1162) rem 2 =:= 0 -> C + 1;
casefold_cp(1216) -> 1231;
casefold_cp(C) when C >= 1217, C =< 1229, (C - 1217) rem 2 =:= 0 -> C + 1;
casefold_cp(C) when C >= 1232, C =< 1326, (C - 1232) rem 2 =:= 0 -> C + 1;
casefold_cp(C) -> C.
