/*
 * canhgac web-shell rules: classic ASP, ASP.NET and JSP, and the marker strings
 * of well-known web-shell kits. Written for this project; see docs/FIM.md.
 */

rule asp_china_chopper
{
    meta:
        description = "China Chopper style ASP/ASPX one-liner: <%eval request(...)%>"
    strings:
        $asp = /<%\s*(eval|execute|executeglobal)\s*\(?\s*request\s*[\(\.\[]/ nocase
        $aspx = /<%@\s*Page\s+Language\s*=\s*"?jscript"?\s*%>\s*<%\s*eval\s*\(\s*Request/ nocase
    condition:
        any of them
}

rule asp_request_exec
{
    meta:
        description = "ASP/ASP.NET page that starts processes or evaluates code and reads request input"
    strings:
        $eval = /\b(eval|execute|executeglobal)\s*\(?\s*request\s*[\(\.\[]/ nocase
        $proc1 = "Process.Start(" nocase
        $proc2 = "ProcessStartInfo" nocase
        $proc3 = "WScript.Shell" nocase
        $in1 = "Request.Form" nocase
        $in2 = "Request.QueryString" nocase
        $in3 = /Request\s*\[\s*"/ nocase
        $in4 = /Request\s*\(\s*"/ nocase
        $page = "<%"
    condition:
        $page and ($eval or (any of ($proc*) and any of ($in*)))
}

rule jsp_request_exec
{
    meta:
        description = "JSP page that runs commands with request.getParameter input"
    strings:
        $direct = /Runtime\.getRuntime\(\)\.exec\s*\(\s*request\.getParameter/
        $rt = "Runtime.getRuntime().exec("
        $pb = "new ProcessBuilder("
        $in = "request.getParameter("
        $page = "<%"
    condition:
        $direct or ($page and ($rt or $pb) and $in)
}

rule webshell_kit_marker
{
    meta:
        description = "marker strings of well-known web-shell kits (c99, r57, WSO, b374k, FilesMan)"
    strings:
        $m1 = "FilesMan"
        $m2 = "c99shell" nocase
        $m3 = "c99_sess_put" nocase
        $m4 = "r57shell" nocase
        $m5 = "b374k" nocase
        $m6 = "WSOsetcookie"
        $m7 = "wso_version"
        $m8 = /Web Shell by (oRb|boff)/ nocase
    condition:
        any of them
}
