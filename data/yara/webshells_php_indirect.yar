/*
 * canhgac web-shell rules: PHP shells that hide the call. The function that runs
 * code is named at run time (decoded, XORed, concatenated, reversed), handed to a
 * callback (call_user_func, array_map, usort, filter_var), or the request input is
 * copied into a variable, read from a header or the environment first. Written
 * for this project from the techniques (issue 19); docs/FIM.md says what each
 * catches and misses.
 */

rule php_dynamic_call_input
{
    meta:
        description = "a function called through a variable with request input as argument: $f($_POST['x'])"
    strings:
        // $f($_POST[..]), ${'x'}($_GET[..]), $a[1]($_REQUEST[..])
        $var = /\$\{?[A-Za-z_\x7f-\xff][\w\x7f-\xff]*\}?(\s*\[[^\]\n]{1,20}\])?\s*\(\s*@?\s*\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/
        $brace = /\$\{\s*["'][^"'\n]{1,20}["']\s*\}\s*\(/
        $str_call = /\(\s*["'][a-z_]{2,20}["']\s*\.\s*["'][a-z_]{1,20}["'][^;\n]{0,60}\)\s*\(\s*@?\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
    condition:
        php_file and any of them
}

rule php_hidden_function_name
{
    meta:
        description = "the name of assert/eval/system built at run time: base64 of it, XORed or concatenated characters, strrev, chr() chains"
    strings:
        $b64_assert = "assert" base64
        $b64_system = "system" base64
        $b64_passthru = "passthru" base64
        $b64_shellexec = "shell_exec" base64
        $b64_create = "create_function" base64
        $b64_eval = "eval(" base64
        $rev1 = /["']tressa["']/ nocase
        $rev2 = /["']metsys["']/ nocase
        $rev3 = /["']urhtssap["']/ nocase
        $rev4 = /["']cexe_llehs["']/ nocase
        $rot1 = /["']nffreg["']/ nocase
        // 'as'.'sert', "sys" . "tem", 'a'.'s'.'s': literal strings, so YARA has
        // good atoms (a regex over quote classes is tried at every quote)
        $cat1 = "'a'.'ssert'" nocase
        $cat2 = "'a' . 'ssert'" nocase
        $cat3 = "\"a\".\"ssert\"" nocase
        $cat4 = "\"a\" . \"ssert\"" nocase
        $cat5 = "'as'.'sert'" nocase
        $cat6 = "'as' . 'sert'" nocase
        $cat7 = "\"as\".\"sert\"" nocase
        $cat8 = "\"as\" . \"sert\"" nocase
        $cat9 = "'ass'.'ert'" nocase
        $cat10 = "'ass' . 'ert'" nocase
        $cat11 = "\"ass\".\"ert\"" nocase
        $cat12 = "\"ass\" . \"ert\"" nocase
        $cat13 = "'asse'.'rt'" nocase
        $cat14 = "'asse' . 'rt'" nocase
        $cat15 = "\"asse\".\"rt\"" nocase
        $cat16 = "\"asse\" . \"rt\"" nocase
        $cat17 = "'asser'.'t'" nocase
        $cat18 = "'asser' . 't'" nocase
        $cat19 = "\"asser\".\"t\"" nocase
        $cat20 = "\"asser\" . \"t\"" nocase
        $cat21 = "'s'.'ystem'" nocase
        $cat22 = "'s' . 'ystem'" nocase
        $cat23 = "\"s\".\"ystem\"" nocase
        $cat24 = "\"s\" . \"ystem\"" nocase
        $cat25 = "'sy'.'stem'" nocase
        $cat26 = "'sy' . 'stem'" nocase
        $cat27 = "\"sy\".\"stem\"" nocase
        $cat28 = "\"sy\" . \"stem\"" nocase
        $cat29 = "'sys'.'tem'" nocase
        $cat30 = "'sys' . 'tem'" nocase
        $cat31 = "\"sys\".\"tem\"" nocase
        $cat32 = "\"sys\" . \"tem\"" nocase
        $cat33 = "'syst'.'em'" nocase
        $cat34 = "'syst' . 'em'" nocase
        $cat35 = "\"syst\".\"em\"" nocase
        $cat36 = "\"syst\" . \"em\"" nocase
        $cat37 = "'syste'.'m'" nocase
        $cat38 = "'syste' . 'm'" nocase
        $cat39 = "\"syste\".\"m\"" nocase
        $cat40 = "\"syste\" . \"m\"" nocase
        $cat41 = "'e'.'val'" nocase
        $cat42 = "'e' . 'val'" nocase
        $cat43 = "\"e\".\"val\"" nocase
        $cat44 = "\"e\" . \"val\"" nocase
        $cat45 = "'ev'.'al'" nocase
        $cat46 = "'ev' . 'al'" nocase
        $cat47 = "\"ev\".\"al\"" nocase
        $cat48 = "\"ev\" . \"al\"" nocase
        $cat49 = "'eva'.'l'" nocase
        $cat50 = "'eva' . 'l'" nocase
        $cat51 = "\"eva\".\"l\"" nocase
        $cat52 = "\"eva\" . \"l\"" nocase
        $cat53 = "'p'.'assthru'" nocase
        $cat54 = "'p' . 'assthru'" nocase
        $cat55 = "\"p\".\"assthru\"" nocase
        $cat56 = "\"p\" . \"assthru\"" nocase
        $cat57 = "'pa'.'ssthru'" nocase
        $cat58 = "'pa' . 'ssthru'" nocase
        $cat59 = "\"pa\".\"ssthru\"" nocase
        $cat60 = "\"pa\" . \"ssthru\"" nocase
        $cat61 = "'pas'.'sthru'" nocase
        $cat62 = "'pas' . 'sthru'" nocase
        $cat63 = "\"pas\".\"sthru\"" nocase
        $cat64 = "\"pas\" . \"sthru\"" nocase
        $cat65 = "'pass'.'thru'" nocase
        $cat66 = "'pass' . 'thru'" nocase
        $cat67 = "\"pass\".\"thru\"" nocase
        $cat68 = "\"pass\" . \"thru\"" nocase
        $cat69 = "'passt'.'hru'" nocase
        $cat70 = "'passt' . 'hru'" nocase
        $cat71 = "\"passt\".\"hru\"" nocase
        $cat72 = "\"passt\" . \"hru\"" nocase
        $cat73 = "'passth'.'ru'" nocase
        $cat74 = "'passth' . 'ru'" nocase
        $cat75 = "\"passth\".\"ru\"" nocase
        $cat76 = "\"passth\" . \"ru\"" nocase
        $cat77 = "'passthr'.'u'" nocase
        $cat78 = "'passthr' . 'u'" nocase
        $cat79 = "\"passthr\".\"u\"" nocase
        $cat80 = "\"passthr\" . \"u\"" nocase
        $cat81 = "'a'.'s'.'s'" nocase
        $cat82 = "'a' . 's' . 's'" nocase
        $cat83 = "\"a\".\"s\".\"s\"" nocase
        $cat84 = "\"a\" . \"s\" . \"s\"" nocase
        // the first two pieces of a three-or-more-piece split: 'as'.'se'.'rt', 'sy'.'s'.'tem'
        $pre1 = "'a'.'s'." nocase
        $pre2 = "'a' . 's' . " nocase
        $pre3 = "\"a\".\"s\"." nocase
        $pre4 = "\"a\" . \"s\" . " nocase
        $pre5 = "'a'.'ss'." nocase
        $pre6 = "'a' . 'ss' . " nocase
        $pre7 = "\"a\".\"ss\"." nocase
        $pre8 = "\"a\" . \"ss\" . " nocase
        $pre9 = "'a'.'sse'." nocase
        $pre10 = "'a' . 'sse' . " nocase
        $pre11 = "\"a\".\"sse\"." nocase
        $pre12 = "\"a\" . \"sse\" . " nocase
        $pre13 = "'as'.'s'." nocase
        $pre14 = "'as' . 's' . " nocase
        $pre15 = "\"as\".\"s\"." nocase
        $pre16 = "\"as\" . \"s\" . " nocase
        $pre17 = "'as'.'se'." nocase
        $pre18 = "'as' . 'se' . " nocase
        $pre19 = "\"as\".\"se\"." nocase
        $pre20 = "\"as\" . \"se\" . " nocase
        $pre21 = "'as'.'ser'." nocase
        $pre22 = "'as' . 'ser' . " nocase
        $pre23 = "\"as\".\"ser\"." nocase
        $pre24 = "\"as\" . \"ser\" . " nocase
        $pre25 = "'ass'.'e'." nocase
        $pre26 = "'ass' . 'e' . " nocase
        $pre27 = "\"ass\".\"e\"." nocase
        $pre28 = "\"ass\" . \"e\" . " nocase
        $pre29 = "'ass'.'er'." nocase
        $pre30 = "'ass' . 'er' . " nocase
        $pre31 = "\"ass\".\"er\"." nocase
        $pre32 = "\"ass\" . \"er\" . " nocase
        $pre33 = "'s'.'y'." nocase
        $pre34 = "'s' . 'y' . " nocase
        $pre35 = "\"s\".\"y\"." nocase
        $pre36 = "\"s\" . \"y\" . " nocase
        $pre37 = "'s'.'ys'." nocase
        $pre38 = "'s' . 'ys' . " nocase
        $pre39 = "\"s\".\"ys\"." nocase
        $pre40 = "\"s\" . \"ys\" . " nocase
        $pre41 = "'s'.'yst'." nocase
        $pre42 = "'s' . 'yst' . " nocase
        $pre43 = "\"s\".\"yst\"." nocase
        $pre44 = "\"s\" . \"yst\" . " nocase
        $pre45 = "'sy'.'s'." nocase
        $pre46 = "'sy' . 's' . " nocase
        $pre47 = "\"sy\".\"s\"." nocase
        $pre48 = "\"sy\" . \"s\" . " nocase
        $pre49 = "'sy'.'st'." nocase
        $pre50 = "'sy' . 'st' . " nocase
        $pre51 = "\"sy\".\"st\"." nocase
        $pre52 = "\"sy\" . \"st\" . " nocase
        $pre53 = "'sy'.'ste'." nocase
        $pre54 = "'sy' . 'ste' . " nocase
        $pre55 = "\"sy\".\"ste\"." nocase
        $pre56 = "\"sy\" . \"ste\" . " nocase
        $pre57 = "'sys'.'t'." nocase
        $pre58 = "'sys' . 't' . " nocase
        $pre59 = "\"sys\".\"t\"." nocase
        $pre60 = "\"sys\" . \"t\" . " nocase
        $pre61 = "'sys'.'te'." nocase
        $pre62 = "'sys' . 'te' . " nocase
        $pre63 = "\"sys\".\"te\"." nocase
        $pre64 = "\"sys\" . \"te\" . " nocase
        $pre65 = "'e'.'v'." nocase
        $pre66 = "'e' . 'v' . " nocase
        $pre67 = "\"e\".\"v\"." nocase
        $pre68 = "\"e\" . \"v\" . " nocase
        $pre69 = "'e'.'va'." nocase
        $pre70 = "'e' . 'va' . " nocase
        $pre71 = "\"e\".\"va\"." nocase
        $pre72 = "\"e\" . \"va\" . " nocase
        $pre73 = "'ev'.'a'." nocase
        $pre74 = "'ev' . 'a' . " nocase
        $pre75 = "\"ev\".\"a\"." nocase
        $pre76 = "\"ev\" . \"a\" . " nocase
        // characters XORed or OR-ed together: ('!'^'@').'s'  ("~+d()"^"!{+{}")
        // ('!'^'@'): two quoted characters XORed ("'^'" is the atom; a lone '^'
        // string, as in regex building, has no quoted text after it)
        $xor1 = /[^'\s]'\^'[^'\n]{1,8}'/
        $xor2 = /[^"\s]"\^"[^"\n]{1,8}"/
        $xor3 = /[^'\s]' \^ '[^'\n]{1,8}'/
        $xor4 = /[^"\s]" \^ "[^"\n]{1,8}"/
        // chr(97).chr(115).chr(115)  (a, s, s) / chr(115).chr(121).chr(115) (s y s)
        $chr1 = /chr\s*\(\s*97\s*\)\s*\.\s*chr\s*\(\s*115\s*\)\s*\.\s*chr\s*\(\s*115/ nocase
        $chr2 = /chr\s*\(\s*115\s*\)\s*\.\s*chr\s*\(\s*121\s*\)\s*\.\s*chr\s*\(\s*115/ nocase
        $chr3 = /chr\s*\(\s*101\s*\)\s*\.\s*chr\s*\(\s*118\s*\)\s*\.\s*chr\s*\(\s*97/ nocase
        // str_replace('x', '', 'axsxsxexrxt')-style padding
        $pad = /str_replace\s*\(\s*["'][^"'\n]{1,6}["']\s*,\s*["']["']\s*,\s*["'](a.{1,6}s.{1,6}s.{1,6}e.{1,6}r.{1,6}t|s.{1,6}y.{1,6}s.{1,6}t.{1,6}e.{1,6}m|e.{1,6}v.{1,6}a.{1,6}l)["']/ nocase
        // a variable called with a variable: $f($x), $f(@$x), ${f}( (literal "($" atoms)
        $vc1 = /\$\w{1,20}\(\$/
        $vc2 = /\$\w{1,20}\(@\$/
        $vc3 = /\$\{\w{1,20}\}\(/
        $in = /\$_(GET|POST|REQUEST|COOKIE|SERVER|FILES)\b/
        $in2 = /\bgetenv\s*\(/ nocase
        $in3 = "php://input"
        $in4 = /\$\{?["']?_(GET|POST|REQUEST|COOKIE)/
    condition:
        php_file and (any of ($b64*, $rev*, $rot*, $cat*, $pre*, $xor*, $chr*, $pad)) and (any of ($vc*) or any of ($in*))
}

rule php_callback_exec
{
    meta:
        description = "assert/eval/system handed to a callback: call_user_func('assert', ..), array_map('assert', ..), usort(.., 'assert'), filter_var(.., FILTER_CALLBACK, 'assert')"
    strings:
        $cb = /\b(call_user_func|call_user_func_array|array_map|array_filter|array_walk|array_walk_recursive|array_reduce|usort|uasort|uksort|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|iterator_apply|preg_replace_callback|ob_start|set_error_handler|set_exception_handler|mb_ereg_replace_callback)\s*\([^;]{0,120}["'](assert|eval|system|passthru|shell_exec|exec|popen|proc_open|create_function|pcntl_exec)["']/ nocase
        // the callback itself from the request: call_user_func($_GET['f'], ..), array_map($_POST['f'], ..)
        $cb2 = /\b(call_user_func|call_user_func_array|array_map|register_shutdown_function|register_tick_function|forward_static_call)\s*\(\s*@?\s*\$_(GET|POST|REQUEST|COOKIE|SERVER)/ nocase
        // or as the second argument: array_filter($a, $_GET['f']), usort($a, $_POST['f'])
        $cb3 = /\b(array_filter|array_walk|array_walk_recursive|array_reduce|usort|uasort|uksort|iterator_apply)\s*\([^;,]{1,80},\s*@?\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $fcb = /FILTER_CALLBACK[^;]{0,80}["'](assert|eval|system|passthru)["']/ nocase
        $refl = /new\s+ReflectionFunction\s*\(\s*(["'](assert|system|passthru|shell_exec)["']|\$_(GET|POST|REQUEST))/ nocase
    condition:
        php_file and any of them
}

rule php_input_via_variable
{
    meta:
        description = "request input, a header or the environment read into a variable and that variable run as a command or code"
    strings:
        // $c = $_REQUEST['c'];  $c = @$_POST["c"];  $c = trim($_GET['c'])
        $assign = /\$[A-Za-z_]\w*\s*=\s*[@\(\s]*(\w+\s*\(\s*)?[@\(\s]*\$(_(GET|POST|REQUEST|COOKIE)|HTTP_(GET|POST)_VARS)\s*\[/
        $exec_var = /[^\w>:$](system|passthru|shell_exec|popen|proc_open|pcntl_exec|eval|assert)\s*\(\s*@?\s*["']?\s*\$[A-Za-z_]\w*\s*[\),\.;"'\[]/ nocase
        $exec_var2 = /[^\w>:$.]exec\s*\(\s*@?\s*["']?\s*\$[A-Za-z_]\w*\s*[\),\.;"'\[]/
        $tick_var1 = /=\s?`\s?\$[A-Za-z_]\w*\s?`/
        $tick_var2 = /\(`\s?\$[A-Za-z_]\w*\s?`/
        $tick_var3 = /(echo|print|return) `\s?\$[A-Za-z_]\w*\s?`/
        // passthru(getenv("HTTP_ACCEPT_LANGUAGE")), system($_SERVER['HTTP_X_CMD'])
        // an application keeps command runners in classes (Roundcube's rcube_utils
        // runs shell_exec($command) and reads $_GET elsewhere); a shell rarely does
        $cls = /\n\s*(abstract\s+|final\s+)?class\s+\w+[^{\n]{0,120}\s*\{/
        $hdr = /[^\w>:$](system|passthru|shell_exec|exec|popen|proc_open|eval|assert)\s*\(\s*@?\s*(getenv\s*\(|\$_SERVER\s*\[\s*["']HTTP_|apache_request_headers|getallheaders|file_get_contents\s*\(\s*["']php:\/\/input)/ nocase
    condition:
        php_file and ($hdr or ($assign and not $cls and (any of ($tick_var*) or (1 of ($exec_var*) and filesize < 400KB))))
}

rule php_encoded_lines
{
    meta:
        description = "a base64 text kept in 60-100 character lines (concatenated or one multi-line string) and decoded into code"
    strings:
        $wrap1 = /["'][A-Za-z0-9+\/]{60,100}["']\s*\.\s*\r?\n\s*["'][A-Za-z0-9+\/]{60,100}["']\s*\.\s*\r?\n/
        $wrap2 = /["'][A-Za-z0-9+\/]{60,100}\r?\n[A-Za-z0-9+\/]{60,100}\r?\n[A-Za-z0-9+\/]{60,100}\r?\n/
        $wrap3 = /<<<\s*["']?\w+["']?\r?\n[A-Za-z0-9+\/]{60,100}\r?\n[A-Za-z0-9+\/]{60,100}\r?\n/
        $run = /\b(eval|assert|create_function)\s*\(/ nocase
        $dec = /\b(base64_decode|gzinflate|gzuncompress|str_rot13|gzdecode)\s*\(/ nocase
    condition:
        php_file and any of ($wrap*) and $run and $dec
}

rule php_small_exec_var
{
    meta:
        description = "a small PHP file (under 4 KB) that runs a variable as code or a command and reads input: one-liners and droppers whose input is renamed"
    strings:
        $ev = /[^\w>:$.](eval|assert)\s*\(\s*@?\s*["(]?\s*\\?\$[A-Za-z_]\w*/ nocase
        $cmd = /[^\w>:$.](system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*@?\s*\(?\s*\$[A-Za-z_]\w*/ nocase
        // a class that runs its own fixed command (see php_input_via_variable)
        $cls = /\n\s*(abstract\s+|final\s+)?class\s+\w+[^{\n]{0,120}\s*\{/
        $in1 = /\$_(GET|POST|REQUEST|COOKIE|SERVER|FILES)\b/
        $in2 = /\$HTTP_(GET|POST|COOKIE)_VARS/
        $in3 = "php://input"
        $in4 = /\bgetenv\s*\(/ nocase
        $in5 = /\$GLOBALS\s*\[/
    condition:
        php_file and filesize < 4KB and ($ev or ($cmd and not $cls)) and any of ($in*)
}

rule php_form_exec
{
    meta:
        description = "a PHP page under 40 KB that is a command form: an <input> and a command run from a variable (also old register_globals shells)"
    strings:
        $form = "<form" nocase
        $input = /<input[^>]{0,120}name\s*=\s*["']?\w+/ nocase
        $ev = /[^\w>:$.](system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*@?\s*["(]?\s*\$[A-Za-z_]\w*/ nocase
        $ev2 = /[^\w>:$.](eval|assert)\s*\(\s*@?\s*["(]?\s*\\?\$[A-Za-z_]\w*/ nocase
    condition:
        php_file and filesize < 40KB and $form and $input and ($ev or $ev2)
}

rule php_encrypted_payload
{
    meta:
        description = "a PHP file that decrypts or XORs what it received and evaluates it (Behinder, Godzilla, AntSword-style encrypted channels)"
    strings:
        $in1 = "php://input"
        $in2 = /\$_(POST|REQUEST|COOKIE)\s*\[/
        $in3 = /\$_SESSION\s*\[/
        $d1 = /\b(openssl_decrypt|mcrypt_decrypt)\s*\(/ nocase
        $d2 = /\^\s?\$\w{1,20}\s?\[\s?(\$\w+\s?[\+&%]|\(\s?\$\w+\s?\+)/
        $d3 = /\b(gzdecode|gzinflate|base64_decode|str_rot13)\s*\(/ nocase
        $ev = /\b(eval|assert)\s*\(\s*@?\s*\$\w+\s*(\.\s*["']["']\s*)?\)/ nocase
        $ev2 = /\b(eval|assert)\s*\(\s*@?\s*\$\w+\s*\(/ nocase
    condition:
        php_file and any of ($in*) and (($d1 or $d2) and ($ev or $ev2) or ($d3 and $ev2))
}

rule php_tiny_dynamic_input
{
    meta:
        description = "a tiny PHP file (under 1.5 KB) that takes input and calls something chosen at run time: a variable function, variable variables, a callback-taking function, eval or assert (one-line shells written to slip past fixed rules)"
    strings:
        $in1 = /\$_(GET|POST|REQUEST|COOKIE|SERVER|FILES)\b/
        $in2 = "php://input"
        $in3 = /\bgetenv\s*\(/ nocase
        $in4 = /\$\{?\s*["']?_(GET|POST|REQUEST|COOKIE)/
        // $f($x), $f(@$x), ${f}(: a variable called with a variable (literal "($" atoms)
        $dyn1 = /\$\w{1,20}\(\$/
        $dyn1b = /\$\w{1,20}\(@\$/
        $dyn1c = /\$\{\w{1,20}\}\(/
        $dyn2 = /\$\$[A-Za-z_]/
        // a callback chosen at run time: the first argument of call_user_func and
        // its kin a variable or a built string, the last of the sorting and
        // filtering functions a variable or assert/eval
        $dyn3 = /\b(call_user_func\w*|forward_static_call\w*|array_map|register_\w+_function|ob_start|set_\w+_handler|spl_autoload_register|preg_replace_callback\w*|create_function)\s*\(\s*(\$\w+\s*[,\)]|["'][a-z]{1,6}["']\s*\.)/ nocase
        $dyn3b = /\b(array_\w*u\w*|array_filter|array_walk\w*|array_reduce|u[ak]?sort|iterator_apply)\s*\([^;\n]{0,120},\s*(\$\w+|["'](assert|eval)["']|["'][a-z]{1,6}["']\s*\.[^,;)\n]{1,30})\s*\)/ nocase
        $dyn4 = /\b(eval|assert)\s*(\/\*[^*\n]{0,40}\*\/)?\s*\(/ nocase
        // tiny application files are classes (plugins, controllers); these shells are not
        $cls = /(^|\n)\s*(abstract\s+|final\s+)?(class|namespace)\s+[\w\\]+/
        $dyn5 = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,20}\]\s*\(/
    condition:
        php_file and filesize < 1536 and not $cls and any of ($in*) and any of ($dyn*)
}

rule php_eval_call_result
{
    meta:
        description = "eval of what a function returns from variables (eval(decoder($a, $b)), with comments between eval and its bracket), or code unpacked from hex with pack('H*')"
    strings:
        $ev = /\beval\s*(\/\*[^*\n]{0,40}\*\/)?\s*\(\s*@?\s*\$?[A-Za-z_]\w*\s*\(\s*\$\w+\s*[,\)]/ nocase
        $ev_cmt = /\b(eval|assert)\s*\/\*[^*\n]{0,40}\*\/\s*\(/ nocase
        $pack = /\b(create_function|eval|assert|call_user_func)\s*\([^;\n]{0,60}pack\s*\(\s*["']H\*["']/ nocase
    condition:
        php_file and any of them
}
