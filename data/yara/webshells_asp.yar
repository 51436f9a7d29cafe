/*
 * canhgac web-shell rules: classic ASP (VBScript, JScript) and ASP.NET pages and
 * handlers that hide what they run: object names split into concatenated pieces,
 * script encoded with screnc (VBScript.Encode), the request body read raw and
 * executed, assemblies loaded from request bytes, process starters, and
 * FileSystemObject file managers. Written for this project (issue 19) from the
 * techniques; docs/FIM.md says what each catches and misses.
 */

private rule asp_file
{
    strings:
        $a = "<%"
        $b = /runat\s*=\s*["']?server/ nocase
        $c = /<%@\s*(WebHandler|WebService)/ nocase
    condition:
        any of them
}

rule asp_split_object_name
{
    meta:
        description = "CreateObject of a name built from concatenated pieces: \"scr\"&\"ipt\"&\"ing.\"... (hides Scripting.FileSystemObject, WScript.Shell)"
    strings:
        $a = /CreateObject\s*\(\s*"[^"\n]{1,12}"\s*(&|\+)\s*"[^"\n]{0,12}"\s*(&|\+)/ nocase
        $b = /CreateObject\s*\(\s*"[^"\n]{1,12}"\s*&\s*\w{1,16}\s*&\s*"/ nocase
        $c = /CreateObject\s*\(\s*(StrReverse|Chr)\s*\(/ nocase
    condition:
        asp_file and any of them
}

rule asp_encoded_script
{
    meta:
        description = "server-side script encoded with screnc (VBScript.Encode / JScript.Encode): hides the code from review"
    strings:
        $lang = /Language\s*=\s*"?\s*(VBScript|JScript)\.Encode/ nocase
        $blob = /#@~\^[A-Za-z0-9+\/]{6}==/
    condition:
        asp_file and any of them
}

rule asp_eval_request
{
    meta:
        description = "Execute/Eval/ExecuteGlobal of request input, directly, through a variable, or of the raw request body (Request.BinaryRead)"
    strings:
        $direct = /\b(Execute|ExecuteGlobal|Eval)\s*[\(\s]\s*\(?\s*Request\s*(\.\s*(Item|Form|QueryString|Cookies|ServerVariables))?\s*[\(\[]/ nocase
        $unsafe = /eval\s*\([^;\n]{0,80}["']unsafe["']\s*\)/ nocase
        $bin = /Request\.BinaryRead\s*\(/ nocase
        $exec = /\b(Execute|ExecuteGlobal|Eval)\s*[\(\s]/ nocase
        $assign = /\b\w{1,20}\s*=\s*Request\s*(\.\s*(Item|Form|QueryString|Cookies))?\s*[\(\[]/ nocase
        $exec_var = /(^|[\s:])(Execute|ExecuteGlobal)\s*\(?\s*\w{1,20}\s*\)?\s*(\r?\n|:|%>)/ nocase
    condition:
        asp_file and ($direct or $unsafe or ($bin and $exec) or ($assign and $exec_var))
}

rule aspx_assembly_from_request
{
    meta:
        description = "ASP.NET page that loads an assembly from request bytes (Behinder, Godzilla and similar memory shells)"
    strings:
        $load = /Assembly\s*\.\s*Load\s*\(/ nocase
        $load2 = /System\.Reflection\.Assembly/ nocase
        $in1 = "Request.BinaryRead" nocase
        $in2 = /Request\s*(\.\s*(Form|Item|QueryString))?\s*\[/ nocase
        $in3 = "Request.InputStream" nocase
        $dec1 = "FromBase64String" nocase
        $dec2 = "RijndaelManaged" nocase
        $dec3 = "CreateDecryptor" nocase
        $inst = "CreateInstance" nocase
    condition:
        asp_file and any of ($load*) and any of ($in*) and (any of ($dec*) or $inst)
}

rule aspx_process_page
{
    meta:
        description = "ASP.NET page or handler that starts a process (cmd.exe, ProcessStartInfo) from a form or request field"
    strings:
        $p1 = "ProcessStartInfo" nocase
        $p2 = /new\s+(System\.Diagnostics\.)?Process\s*\(/ nocase
        $p3 = /Process\s*\.\s*Start\s*\(/ nocase
        $c1 = "cmd.exe" nocase
        $c2 = /\.Arguments\s*=/ nocase
        $c3 = /\bRequest\s*(\.\s*(Form|Item|QueryString|Params))?\s*[\(\[]/ nocase
        $c4 = /\w+\.Text\b/
        $c5 = "RedirectStandardOutput" nocase
    condition:
        asp_file and any of ($p*) and ($c1 or ($c5 and ($c2 or $c3 or $c4)))
}

rule asp_shell_objects
{
    meta:
        description = "classic ASP page that reads request input and drives WScript.Shell, Shell.Application or the file system the way shells and file managers do"
    strings:
        $in = /\bRequest\s*(\.\s*(Form|QueryString|Item|ServerVariables))?\s*\(/ nocase
        $in2 = /\bRequest\s*\.\s*(Form|QueryString)\b/ nocase
        $o1 = "WScript.Shell" nocase
        $o2 = "Shell.Application" nocase
        $o3 = "Scripting.FileSystemObject" nocase
        $o4 = "ADODB.Stream" nocase
        $o5 = "WScript.Network" nocase
        $t1 = "cmd.exe" nocase
        $t2 = /\.(Exec|Run)\s*\(/ nocase
        $t3 = /\.DeleteFile\b/ nocase
        $t4 = /\.CreateTextFile\b/ nocase
        $t5 = /\.SaveToFile\b/ nocase
        $t6 = /\.(CopyFile|MoveFile)\b/ nocase
        $t7 = /\.Drives\b/ nocase
        $t8 = /\.GetFolder\b/ nocase
        $t9 = /\.ShellExecute\b/ nocase
        $t10 = "LOCAL_ADDR" nocase
        $t11 = "PATH_TRANSLATED" nocase
        $t12 = /\.DeleteFolder\b/ nocase
        $t13 = /\.Attributes\b/ nocase
        $t14 = "Upload" nocase
    condition:
        asp_file and any of ($in*) and ((1 of ($o1, $o2, $o5) and 1 of ($t*)) or ($o3 and 4 of ($t*)) or ($o4 and $o3 and 2 of ($t*)))
}

rule aspx_file_manager
{
    meta:
        description = "ASP.NET page that lists drives and folders, deletes, writes and uploads files where the request says"
    strings:
        $d1 = /Directory\s*\.\s*GetDirectories/ nocase
        $d2 = /Directory\s*\.\s*GetFiles/ nocase
        $d3 = /DriveInfo\s*\.\s*GetDrives|Directory\s*\.\s*GetLogicalDrives/ nocase
        $d4 = /new\s+DirectoryInfo\s*\(/ nocase
        $w1 = /File\s*\.\s*Delete\s*\(/ nocase
        $w2 = /\.SaveAs\s*\(/ nocase
        $w3 = /File\s*\.\s*(WriteAllText|WriteAllBytes|Create|Copy|Move)\s*\(/ nocase
        $w4 = /new\s+StreamWriter\s*\(/ nocase
        $in = /Request\s*(\.\s*(Form|Item|QueryString|Params))?\s*[\[\(]/ nocase
        $in2 = /\w+\.Text\b/
    condition:
        asp_file and 2 of ($d*) and 2 of ($w*) and any of ($in*)
}

rule asp_execute_obfuscated
{
    meta:
        description = "classic ASP or JScript that executes what a decoding function returns (Execute(Decode(\"..\")), execute unescape(..), execute session(..)), JScript's two-argument eval (eval(code, \"unsafe\") with the word built), or reads a request field whose name is hidden"
    strings:
        $ex_fn = /\b(Execute|ExecuteGlobal)\s*\(?\s*(unescape|\w{2,24})\s*\(\s*["\w%]/ nocase
        $ex_sess = /\b(Execute|ExecuteGlobal|Eval)\s*\(?\s*(session|application)\s*[\(\.]/ nocase
        $ev_cmt = /\beval\s*\(\s*\/\*/ nocase
        $ev_two = /\beval\s*\(\s*\w+\s*,\s*\w+\s*\)/
        $ev_u = /\beval\s*\([^)\n]{0,120},[^)\n]{0,60}["']u["']\s*\+/
        $jscript = /language\s*=\s*["']?\s*jscript/ nocase
        $req_hex = /Request\s*(\.\s*(Item|Form|QueryString))?\s*[\[\(]\s*["']\\x[0-9a-fA-F]{2}/ nocase
        $req_chr = /Request\s*(\.\s*(Item|Form|QueryString))?\s*\(\s*chrw?\s*\(/ nocase
        // Execute("eV"&chr(..)&"L"...): the word itself split
        // JavaScript and PHP call execute() too: only pages that are ASP for sure
        $asp1 = /<%@\s*(Page|Language|WebHandler)/ nocase
        $asp2 = /<script[^>]{0,80}runat\s*=\s*["']?server/ nocase
        $asp3 = /\b(Response\.Write|Server\.CreateObject|Request\.Form|Request\.QueryString)\b/ nocase
        $asp4 = /<%\s*(Dim|Set|If|On\s+Error|Response|Request|Execute|eval)\b/ nocase
        $split = /\b(Execute|ExecuteGlobal|eXECuTeStAtEmENt)\s*\(\s*"[^"\n]{1,6}"\s*&\s*chrw?\s*\(/ nocase
    condition:
        asp_file and not php_file and any of ($asp*) and ($ex_fn or $ex_sess or $ev_cmt or $ev_u or ($ev_two and $jscript) or $req_hex or $req_chr or $split)
}

rule aspx_sql_console
{
    meta:
        description = "ASP.NET page that connects to a database the request or a text box names and runs the SQL it is given (database dumpers, xp_cmdshell consoles)"
    strings:
        $conn = /new\s+SqlConnection\s*\(\s*(Request\s*[\[\(.]|\w+\s*\.\s*Text\b)/ nocase
        $cs = /ConnectionString\s*=\s*(Request\s*[\[\(.]|\w+\s*\.\s*Text\b)/ nocase
        $cmd = /new\s+SqlCommand\s*\(\s*(Request\s*[\[\(.]|\w+\s*\.\s*Text\b)/ nocase
        $cmd2 = /CommandText\s*=\s*(Request\s*[\[\(.]|\w+\s*\.\s*Text\b)/ nocase
        $xp = "xp_cmdshell" nocase
    condition:
        asp_file and ((any of ($conn, $cs) and any of ($cmd, $cmd2)) or ($xp and any of ($conn, $cs, $cmd, $cmd2)))
}

rule asp_script_dropper
{
    meta:
        description = "classic ASP page that writes a script file (.vbs .bat .js) whose lines download (Microsoft.XMLHTTP, ADODB.Stream) and run (WScript.Shell) a program"
    strings:
        $ctf = /\.CreateTextFile\s*\(\s*"[^"\n]{1,120}\.(vbs|bat|cmd|js|wsf)"/ nocase
        $w1 = "Microsoft.XMLHTTP" nocase
        $w2 = "ADODB.Stream" nocase
        $w3 = "WScript.Shell" nocase
        $w4 = "SaveToFile" nocase
    condition:
        asp_file and $ctf and 3 of ($w*)
}

rule asp_fso_reader
{
    meta:
        description = "classic ASP page that lists the folder and prints the file the request names (FileSystemObject GetFolder, OpenTextFile and ReadAll with request input)"
    strings:
        $fso = "Scripting.FileSystemObject" nocase
        $in = /\bRequest\s*(\.\s*(QueryString|Form|Item))?\s*\(\s*"/ nocase
        $gf = /\.GetFolder\s*\(/ nocase
        $otf = /\.OpenTextFile\s*\(\s*(Request|\w+\s*,)/ nocase
        $ra = /\.ReadAll\b/ nocase
    condition:
        asp_file and $fso and $in and $gf and $otf and $ra
}
