/*
 * canhgac web-shell rules: PHP command pages, file managers and uploaders that
 * carry no kit marker. Each is recognised by what it does together: runs a
 * command from a form AND looks around the host (uname, safe_mode, /etc/passwd,
 * cmd.exe), or writes an uploaded file from a page that is its own upload form.
 * An application (WordPress, Roundcube, MediaWiki, phpMyAdmin) does one of these
 * things in one file and the other somewhere else. Written for this project
 * (issue 19); docs/FIM.md says what each catches and misses.
 */

rule php_command_page
{
    meta:
        description = "a PHP page that runs shell commands, reads request input and probes the host the way shells do"
    strings:
        $x1 = /[^\w>:$.](system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(/ nocase
        $x2 = /[^\w>:$.]exec\s*\(\s*["$]/
        $x3 = /(=|\(|echo|print|return) ?`[^`\n]{0,40}\$\w+[^`\n]{0,40}`/
        $i1 = /\$_(GET|POST|REQUEST|COOKIE|FILES)\b/
        $i2 = /\$HTTP_(GET|POST)_VARS/
        $i3 = /\$_SERVER\s*\[\s*["']HTTP_/
        $t1 = "safe_mode" nocase
        $t2 = "php_uname" nocase
        $t3 = "uname -a"
        $t4 = "/etc/passwd"
        $t5 = "cmd.exe" nocase
        $t6 = "/bin/sh"
        $t7 = "whoami"
        $t8 = "netstat -"
        $t9 = "posix_getpwuid"
        $t10 = "disable_functions"
        $t11 = "getmyuid"
        $t12 = "/bin/bash"
        $t13 = "ls -la"
        $t14 = "2>&1"
        $t15 = "nc -"
        $t16 = "id;"
        $t17 = "open_basedir"
        $t18 = "ps aux"
        $t19 = "net user" nocase
        $t20 = "/tmp/"
        $t21 = "disk_free_space"
        $t22 = "back connect" nocase
        $t23 = "bind port" nocase
        $t24 = "/etc/shadow"
        $t25 = "ipconfig" nocase
        $t26 = "hacked" nocase
        $t27 = "shell" nocase
    condition:
        php_file and any of ($x*) and any of ($i*) and 3 of ($t*)
}

rule php_uploader_page
{
    meta:
        description = "a small PHP page that is its own upload form and writes the uploaded file where the sender says"
    strings:
        $mv = /\b(move_uploaded_file|copy)\s*\(\s*\$_FILES/ nocase
        $mv2 = "move_uploaded_file" nocase
        $form = "multipart/form-data" nocase
        $file = /type\s*=\s*["']?file/ nocase
        $files = "$_FILES"
    condition:
        php_file and filesize < 12KB and ($mv or $mv2) and $form and $file and $files
}

rule php_file_manager_page
{
    meta:
        description = "a PHP page that lists, edits, uploads, deletes and chmods files where the request says, with a command or eval beside it"
    strings:
        $d1 = /\b(opendir|scandir|readdir|glob)\s*\(/ nocase
        $w1 = /\b(fwrite|fputs|file_put_contents)\s*\(/ nocase
        $r1 = /\b(unlink|rmdir)\s*\(/ nocase
        $c1 = /\bchmod\s*\(/ nocase
        $u1 = "move_uploaded_file" nocase
        $i1 = /\$_(GET|POST|REQUEST)\b/
        $i2 = /\$HTTP_(GET|POST)_VARS/
        $x1 = /[^\w>:$.](system|passthru|shell_exec|popen|proc_open|eval)\s*\(/ nocase
        $t1 = "safe_mode" nocase
        $t2 = "php_uname" nocase
        $t3 = "getcwd" nocase
        $t4 = "fileperms" nocase
        $t5 = "posix_getpwuid" nocase
        $t6 = "disk_free_space" nocase
        $t7 = "chdir" nocase
        $t8 = "<form" nocase
    condition:
        php_file and $d1 and $w1 and $r1 and $c1 and $u1 and any of ($i*) and $x1 and 4 of ($t*)
}

rule php_write_request_file
{
    meta:
        description = "a PHP file that writes request text to a file the request names (a dropper: the next request runs what it wrote)"
    strings:
        $fpc = /\bfile_put_contents\s*\(\s*[^;\n]{0,60}\$_(GET|POST|REQUEST|COOKIE)\s*\[[^;\n]{0,80},\s*[^;\n]{0,40}\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        $fopen = /\bfopen\s*\(\s*[^;\n]{0,60}\$_(GET|POST|REQUEST|COOKIE)\s*\[[^;\n]{0,60}["'][wa]\+?b?["']\s*\)/ nocase
        $fwrite = /\b(fwrite|fputs)\s*\(\s*\$\w+\s*,\s*[^;\n]{0,40}\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
    condition:
        php_file and ($fpc or ($fopen and $fwrite))
}
