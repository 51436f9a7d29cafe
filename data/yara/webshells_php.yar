/*
 * canhgac web-shell rules: PHP. Written for this project (docs/FIM.md explains
 * each family, what it catches and what it misses). Compiled into the binary;
 * `canhgac fim check` scans every added or changed file with them.
 */

rule php_request_exec
{
    meta:
        description = "request input ($_GET/$_POST/$_REQUEST/$_COOKIE) passed straight to a code or command execution function"
    strings:
        $call = /\b(eval|assert|system|exec|passthru|shell_exec|proc_open|popen|pcntl_exec)\s*\(\s*[^;]{0,80}\$_(GET|POST|REQUEST|COOKIE)\b/ nocase
        // A backtick run is a shell command only where a value is expected: after
        // =, (, echo, print or return. Doc comments quote `$_POST` in Markdown.
        $tick = /(=|\(|\becho|\bprint|\breturn)\s*`[^`;\n]{0,40}\$_(GET|POST|REQUEST|COOKIE)\b[^`\n]{0,40}`/
        $call_fn = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/
    condition:
        php_file and any of them
}

rule php_eval_decode
{
    meta:
        description = "eval or assert of decoded text: base64_decode, gzinflate, str_rot13 and similar chains"
    strings:
        $a = /\b(eval|assert)\s*\(\s*@?\s*(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode|rawurldecode)\s*\(/ nocase
    condition:
        php_file and $a
}

rule php_preg_replace_e
{
    meta:
        description = "preg_replace with the /e modifier: the replacement is run as PHP code"
    strings:
        $slash = /preg_replace\s*\(\s*["']\/[^"'\n]{0,200}\/[a-zA-Z]{0,6}e[a-zA-Z]{0,6}["']\s*,/
        $hash = /preg_replace\s*\(\s*["']#[^"'\n]{0,200}#[a-zA-Z]{0,6}e[a-zA-Z]{0,6}["']\s*,/
    condition:
        php_file and any of them
}

rule php_create_function_input
{
    meta:
        description = "create_function (an eval in disguise) in a file that also takes request input or decodes text"
    strings:
        // a call with arguments: a comment naming create_function() is not one
        $cf = /\bcreate_function\s*\(\s*['"$]/ nocase
        $in = /\$_(GET|POST|REQUEST|COOKIE)\b/
        $dec = /\b(base64_decode|gzinflate|str_rot13|gzuncompress)\s*\(/ nocase
    condition:
        php_file and $cf and ($in or $dec)
}

rule php_china_chopper
{
    meta:
        description = "China Chopper style one-liner: <?php @eval($_POST[...]);?>"
    strings:
        $a = /<\?php\s*@?\s*(eval|assert)\s*\(\s*\$_(POST|GET|REQUEST)\s*\[/ nocase
    condition:
        $a
}

rule php_encoded_blob
{
    meta:
        description = "a long base64 or hex-escaped blob in a PHP file that evaluates code"
    strings:
        // Opened by a quote: a bare class run has no atom, so YARA would try it at
        // every byte of every file (it was two thirds of the scan time).
        $b64 = /["'][A-Za-z0-9+\/]{1024}/
        $hex = /(\\x[0-9a-fA-F]{2}){128}/
        $run = /\b(eval|assert|create_function)\s*\(/ nocase
    condition:
        php_file and $run and ($b64 or $hex)
}
