/*
 * canhgac web-shell rules: JSP (and JSPX) pages that run commands through a
 * variable, load classes from request bytes (defineClass, the Behinder/Godzilla
 * family), write request text to files under the web root, or browse the file
 * system; and ColdFusion pages with cfexecute, uploads and Java runtime objects.
 * Written for this project (issue 19) from the techniques; docs/FIM.md says what
 * each catches and misses.
 */

private rule jsp_file
{
    strings:
        $a = "<%"
        $b = "<jsp:" nocase
    condition:
        any of them
}

rule jsp_runtime_exec_input
{
    meta:
        description = "JSP page that runs a command (Runtime.exec, ProcessBuilder) and reads request input, however the two are joined"
    strings:
        $rt = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $rt2 = /\.exec\s*\(\s*(new\s+String\s*\[\s*\]|\w+)/
        $rt3 = "java.lang.Runtime"
        $pb = /new\s+(java\.lang\.)?ProcessBuilder\s*\(/
        $in1 = /request\s*\.\s*(getParameter|getHeader|getInputStream|getReader|getQueryString)\s*\(/
        $in2 = /getParameterValues|getParameterMap/
        $sh = /["'](cmd(\.exe)?|\/bin\/(ba)?sh)["']/
        $out = "getInputStream()"
    condition:
        jsp_file and ($rt or $pb or ($rt3 and $rt2)) and (any of ($in*) or ($sh and $out))
}

rule jsp_class_loader_input
{
    meta:
        description = "JSP page that defines a class from bytes it received (defineClass through a ClassLoader, often AES-decrypted): Behinder, Godzilla, memory shells"
    strings:
        $def = "defineClass"
        $cl = "ClassLoader"
        $in1 = /request\s*\.\s*(getReader|getInputStream|getParameter|getAttribute)\s*\(/
        $in2 = "getReader()"
        $dec1 = "Cipher.getInstance"
        $dec2 = /Base64|BASE64Decoder|decodeBuffer/
        $dec3 = "SecretKeySpec"
    condition:
        jsp_file and $def and $cl and (any of ($in*) or any of ($dec*))
}

rule jsp_reflect_exec
{
    meta:
        description = "JSP page that reaches Runtime.exec or ProcessBuilder through reflection (Class.forName(\"java.lang.Runtime\")...getMethod(\"exec\"))"
    strings:
        $fn = /Class\s*\.\s*forName\s*\(\s*["']java\.lang\.(Runtime|ProcessBuilder|ProcessImpl|UNIXProcess)["']/
        $m = /getMethod\s*\(\s*["'](exec|start|getRuntime)["']/
        $m2 = /getDeclaredMethod\s*\(\s*["'](exec|start|forkAndExec)["']/
    condition:
        jsp_file and $fn and any of ($m*)
}

rule jsp_write_request_file
{
    meta:
        description = "JSP page that writes request text or an upload to a path the request names under the web root (a dropper, or a file manager)"
    strings:
        $w1 = /new\s+(java\.io\.)?(FileOutputStream|FileWriter|PrintWriter|RandomAccessFile)\s*\([^;]{0,160}(request\s*\.\s*getParameter|getRealPath)/
        $w2 = /(getRealPath|request\s*\.\s*getParameter)[^;]{0,160}\)\s*\)\s*\.\s*write\s*\(\s*request\s*\.\s*getParameter/
        $root = /(application|request|getServletContext\s*\(\s*\))\s*\.\s*getRealPath\s*\(/
        $p = /request\s*\.\s*getParameter\s*\(/
        $fos = /new\s+(java\.io\.)?(FileOutputStream|FileWriter)\s*\(/
        $ls = /\.listFiles\s*\(/
        $del = /\.delete\s*\(\s*\)/
        $ren = /\.renameTo\s*\(/
        $mk = /\.mkdirs?\s*\(\s*\)/
    condition:
        jsp_file and (1 of ($w*) or ($root and $p and $fos and ($ls or $del) and ($ren or $mk)) or ($p and $fos and $ls and $del and $ren and $mk))
}

rule jsp_script_engine_input
{
    meta:
        description = "JSP page that evaluates request text with a script engine (JavaScript through javax.script) or an expression language"
    strings:
        $se = /getEngineByName\s*\(\s*["'](js|javascript|nashorn|ecmascript)["']\s*\)/ nocase
        $ev = /\.eval\s*\(\s*request\s*\.\s*getParameter/
        $in = /request\s*\.\s*getParameter\s*\(/
    condition:
        jsp_file and (($se and $in) or $ev)
}

rule cfm_execute_or_upload
{
    meta:
        description = "ColdFusion page that runs a program (cfexecute, java.lang.Runtime) or writes a file (cffile upload/write) from form or URL input"
    strings:
        $exec = /<cfexecute\b/ nocase
        $rt = /createObject\s*\(\s*["']java["']\s*,\s*["']java\.lang\.(Runtime|ProcessBuilder)["']/ nocase
        $up = /<cffile\b[^>]{0,300}action\s*=\s*["']?(upload|write|uploadall)/ nocase
        $del = /<cffile\b[^>]{0,300}action\s*=\s*["']?(delete|rename|move|copy)/ nocase
        $dir = /<cfdirectory\b/ nocase
        $in1 = /#\s*(form|url|cgi)\s*\.\s*\w+/ nocase
        $in2 = /\b(form|url)\s*\.\s*\w+/ nocase
        $ev = /\bEvaluate\s*\(\s*(form|url)\s*\./ nocase
        $reg = /<cfregistry\b/ nocase
        // a directory or file the form names: a file browser
        $dir_in = /<cfdirectory\b[^>]{0,200}directory\s*=\s*["']?#\s*(form|url)\./ nocase
        $file_in = /<cffile\b[^>]{0,200}file\s*=\s*["']?#\s*(form|url)\./ nocase
        $db = /<cfquery\b[^>]{0,300}>\s*#\s*(form|url)\./ nocase
    condition:
        ($exec and any of ($in*)) or $rt or $ev or ($up and any of ($in*) and ($dir or $del or $exec)) or ($dir and $del and $up) or ($reg and any of ($in*)) or $db or ($dir_in and ($file_in or $up or $del))
}

rule cfm_encrypted_template
{
    meta:
        description = "ColdFusion template encrypted with cfencode: its code cannot be reviewed; shells are shipped this way"
    strings:
        $h = "Allaire Cold Fusion Template"
    condition:
        $h at 0
}

rule jsp_tool_page
{
    meta:
        description = "JSP tool pages: a writer of request text to files, a raw multipart uploader, a reverse shell over a socket, an SQL console on a connection the request names, a class name hidden in bytes"
    strings:
        $p = /request\s*\.\s*getParameter\s*\(/
        $fw = /new\s+(java\.io\.)?(FileOutputStream|FileWriter|RandomAccessFile|PrintWriter|BufferedOutputStream)\s*\(/
        $w1 = /(getRealPath|\.mkdirs?\s*\(\s*\))/
        $w2 = /\.(write|println|print)\s*\(\s*\w+(\.getBytes\s*\([^)]{0,20}\))?\s*\)/
        $mp = "multipart/form-data" nocase
        $ris = /request\s*\.\s*getInputStream\s*\(/
        $sock = /new\s+(java\.net\.)?Socket\s*\(/
        $sh = /["'](cmd(\.exe)?|\/bin\/(ba)?sh)["']/
        $exec = /\.exec\s*\(/
        $db1 = /DriverManager\s*\.\s*getConnection\s*\(/
        $db2 = /\.\s*(executeQuery|execute|executeUpdate)\s*\(\s*\w+\s*\)/
        $db3 = /Class\s*\.\s*forName\s*\(\s*["'](com\.mysql|oracle\.jdbc|com\.microsoft\.sqlserver|org\.postgresql|net\.sourceforge\.jtds)/
        $hid = /Class\s*\.\s*forName\s*\(\s*new\s+String\s*\(\s*(new\s+byte\s*\[|\w+\s*\.\s*decode)/
    condition:
        jsp_file and (
            $hid or
            ($p and $fw and $w1 and $w2 and filesize < 30KB) or
            ($mp and $ris and $fw and filesize < 30KB) or
            ($sock and $p and ($sh or $exec)) or
            ($db1 and $db2 and $db3 and $p)
        )
}
