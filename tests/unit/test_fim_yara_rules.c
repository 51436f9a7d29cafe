/*
 * The web-shell rules of issue 19, one case per technique: each positive sample
 * (written here from the technique, not taken from a collection) must hit its
 * rule, and each near miss (ordinary application code that looks alike: a doc
 * comment quoting `$_POST`, a comment naming create_function(), a class running a
 * fixed command, an upload handler without a form, a JSP that reads a parameter
 * and lists a directory) must hit no rule at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fim/scan.h"

static struct fim_scanner *sc;

static int setup(void **state)
{
	(void)state;
	char why[512];
	if (fim_scanner_open(&sc, why, sizeof why)) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fim_scanner_close(sc);
	return 0;
}

static int has_rule(const char *rules, const char *rule)
{
	size_t n = strlen(rule);
	for (const char *p = rules; (p = strstr(p, rule)); p += n)
		if ((p == rules || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

static void scan(const char *text, char *rules, size_t size)
{
	assert_int_equal(fim_scanner_scan_mem(sc, (const unsigned char *)text, strlen(text), rules, size), 0);
}

static const struct {
	const char *rule, *text;
} hits[] = {
	/* PHP: name built at run time, called with input */
	{"php_hidden_function_name", "<?php $f = base64_decode(\"YXNzZXJ0\"); $f($_POST['x']); ?>"},
	{"php_hidden_function_name", "<?php $k = ('!'^'@').'s'.'s'.'e'.'r'.'t'; $k($_REQUEST['z']);"},
	{"php_hidden_function_name", "<?php $a = 'as'.'se'.'rt'; @$a($q);"},
	{"php_hidden_function_name", "<?php $s = strrev('tressa'); $s($_COOKIE['c']);"},
	{"php_hidden_function_name", "<?php $n = chr(115).chr(121).chr(115).chr(116).chr(101).chr(109); $n(getenv('X'));"},
	{"php_hidden_function_name", "<?php $z = str_replace('q', '', 'aqsqsqeqrqt'); $z($p);"},
	{"php_dynamic_call_input", "<?php $fn = $_GET['fn']; $fn($_POST['arg']);"},
	{"php_dynamic_call_input", "<?php ${'x'}($y);"},
	/* callbacks */
	{"php_callback_exec", "<?php call_user_func('assert', $_POST['c']);"},
	{"php_callback_exec", "<?php array_map('assert', array($_REQUEST['c']));"},
	{"php_callback_exec", "<?php $a = array($_POST['c']); usort($a, 'assert');"},
	{"php_callback_exec", "<?php array_filter(array($_POST['c']), $_GET['f']);"},
	{"php_callback_exec", "<?php filter_var($_POST['c'], FILTER_CALLBACK, array('options' => 'assert'));"},
	{"php_callback_exec", "<?php register_shutdown_function($_GET['f'], $_GET['a']);"},
	/* input through a variable, a header, the environment */
	{"php_input_via_variable", "<?php\n$c = $_REQUEST['c'];\nsystem($c);\n"},
	{"php_input_via_variable", "<?php\n$cmd = ($_POST['cmd']);\necho `$cmd`;\n"},
	{"php_input_via_variable", "<?php passthru(getenv(\"HTTP_ACCEPT_LANGUAGE\"));"},
	{"php_input_via_variable", "<?php system($_SERVER['HTTP_X_DEBUG']);"},
	/* base64 wrapped at 76 columns and decoded into eval */
	{"php_encoded_lines",
	 "<?php $p = \"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\" .\n"
	 "\"ODkrL0FCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXow\" .\n"
	 "\"MTIzNDU2Nzg5\";\neval(base64_decode($p));\n"},
	/* command pages, uploaders, file managers */
	{"php_command_page",
	 "<?php echo php_uname(); if (ini_get('safe_mode')) echo 'safe'; echo shell_exec($_POST['c'] . ' 2>&1');"
	 " echo '<a href=?c=whoami>id</a>';"},
	{"php_uploader_page",
	 "<?php if (isset($_FILES['f'])) move_uploaded_file($_FILES['f']['tmp_name'], $_POST['dir'] . '/' ."
	 " $_FILES['f']['name']); ?><form method=post enctype=\"multipart/form-data\"><input type=\"file\" name=f>"
	 "<input name=dir></form>"},
	{"php_small_exec_var", "<?php $x = @$HTTP_GET_VARS['x']; $y = $x; eval($y);"},
	{"php_form_exec", "<form><input name=\"cmd\"></form><?php if ($cmd) { system($cmd); } ?>"},
	{"php_encrypted_payload",
	 "<?php $k = 'e45e329feb5d925b'; $d = file_get_contents('php://input');"
	 " for ($i = 0; $i < strlen($d); $i++) { $d[$i] = $d[$i] ^ $k[$i + 1 & 15]; } eval($d);"},
	{"php_tiny_dynamic_input", "<?php $p = $_REQUEST['k']; $a = array($p => 1); array_intersect_ukey($a, array(1), $f);"},
	{"php_tiny_dynamic_input", "<?php foreach ($_POST as $k => $v) { $$k = $v; } $g($h);"},
	{"php_eval_call_result", "<?php function dx($a, $b) { return $a ^ $b; } eval/*x*/(dx($k, $m));"},
	{"php_eval_call_result", "<?php create_function(null, pack('H*', '6563686f20313b'));"},
	{"php_write_request_file", "<?php file_put_contents($_GET['f'], $_POST['c']);"},
	{"php_write_request_file", "<?php $h = fopen($_POST[\"f\"], \"w\"); fwrite($h, $_POST[\"c\"]); fclose($h);"},
	/* ASP and ASP.NET */
	{"asp_split_object_name", "<% Set f = Server.CreateObject(\"scr\"&\"ipt\"&\"ing.FileSystemObject\") %>"},
	{"asp_encoded_script", "<%@ LANGUAGE = \"VBScript.Encode\" %><%#@~^CAAAAA==abcdefgh3AAAAA==^#~@%>"},
	{"asp_eval_request", "<% a = Request.Item(\"z\")\nExecute a\n%>"},
	{"asp_eval_request", "<% n = Request.TotalBytes: b = Request.BinaryRead(n): Execute(Conv(b)) %>"},
	{"asp_eval_request", "<%@ Page Language=\"Jscript\"%><% var s = Request.Item[\"k\"]; eval(s, \"unsafe\"); %>"},
	{"aspx_assembly_from_request",
	 "<%@ Page Language=\"C#\" %><% byte[] b = Convert.FromBase64String(Request.Form[\"d\"]);"
	 " System.Reflection.Assembly.Load(b).CreateInstance(\"P\"); %>"},
	{"aspx_process_page",
	 "<%@ Page Language=\"C#\" %><script runat=\"server\">void R(){ var p = new ProcessStartInfo();"
	 " p.FileName = \"cmd.exe\"; p.Arguments = \"/c \" + box.Text; Process.Start(p); }</script>"},
	{"asp_shell_objects",
	 "<% Set sh = CreateObject(\"WScript.Shell\")\nSet ex = sh.Exec(\"cmd /c \" & Request.Form(\"c\"))\n"
	 "Response.Write ex.StdOut.ReadAll %>"},
	{"aspx_file_manager",
	 "<%@ Page Language=\"C#\" %><% var d = Request.QueryString[\"d\"]; foreach (var x in Directory.GetDirectories(d)) {}"
	 " foreach (var f in Directory.GetFiles(d)) {} File.Delete(Request[\"del\"]); up.PostedFile.SaveAs(d + \"/x\"); %>"},
	{"asp_execute_obfuscated", "<%@ Language=VBScript %><% Execute(Unscramble(\"%119%136%115\")) %>"},
	{"asp_execute_obfuscated", "<% If Request(\"k\") <> \"\" Then Session(\"k\") = Request(\"k\")\nExecute Session(\"k\") %>"},
	{"asp_execute_obfuscated",
	 "<script runat=\"server\" language=\"JScript\">function r(s) { var a = \"un\" + \"safe\"; eval(s, a); }</script>"},
	{"asp_execute_obfuscated", "<% Response.Write(\"\") : ExecuteGlobal(\"Ev\"&chr(97)&\"l request(1)\") %>"},
	{"asp_execute_obfuscated", "<%@ Page Language=\"Jscript\"%><% var k = Request.Item[\"\\x6b\\x65\\x79\"]; %>"},
	{"aspx_sql_console",
	 "<%@ Page Language=\"C#\" %><script runat=\"server\">void Go(){ var c = new SqlConnection(connBox.Text);"
	 " var q = new SqlCommand(sqlBox.Text, c); q.ExecuteReader(); }</script>"},
	{"asp_script_dropper",
	 "<% Set f = CreateObject(\"Scripting.FileSystemObject\").CreateTextFile(\"c:\\temp\\u.vbs\", True)\n"
	 "f.WriteLine \"Set x = CreateObject(\"\"Microsoft.XMLHTTP\"\")\"\nf.WriteLine \"Set s = CreateObject(\"\"ADODB.Stream\"\")\"\n"
	 "f.WriteLine \"CreateObject(\"\"WScript.Shell\"\").Run \"\"c:\\temp\\a.exe\"\"\" %>"},
	{"asp_fso_reader",
	 "<% Set fs = CreateObject(\"Scripting.FileSystemObject\")\np = Request(\"path\") : f = Request(\"file\")\n"
	 "For Each x In fs.GetFolder(p).Files : Response.Write x.Name : Next\n"
	 "Set t = fs.OpenTextFile(f, 1) : Response.Write t.ReadAll %>"},
	/* JSP */
	{"jsp_runtime_exec_input",
	 "<% String c = request.getParameter(\"c\"); Process p = Runtime.getRuntime().exec(c); %>"},
	{"jsp_runtime_exec_input",
	 "<% String[] a = {\"/bin/sh\", \"-c\", request.getHeader(\"X-C\")}; new ProcessBuilder(a).start(); %>"},
	{"jsp_class_loader_input",
	 "<%! class U extends ClassLoader { U(ClassLoader c){super(c);} Class g(byte[] b){return super.defineClass(b,0,b.length);} } %>"
	 "<% javax.crypto.Cipher c = javax.crypto.Cipher.getInstance(\"AES\"); byte[] b = c.doFinal(new sun.misc.BASE64Decoder()"
	 ".decodeBuffer(request.getReader().readLine())); %>"},
	{"jsp_reflect_exec",
	 "<% Class r = Class.forName(\"java.lang.Runtime\"); Object o = r.getMethod(\"getRuntime\").invoke(null);"
	 " r.getMethod(\"exec\", String.class).invoke(o, x); %>"},
	{"jsp_write_request_file",
	 "<% new java.io.FileOutputStream(application.getRealPath(\"/\") + request.getParameter(\"f\"))"
	 ".write(request.getParameter(\"t\").getBytes()); %>"},
	{"jsp_script_engine_input",
	 "<% javax.script.ScriptEngine e = new javax.script.ScriptEngineManager().getEngineByName(\"js\");"
	 " e.eval(request.getParameter(\"s\")); %>"},
	{"jsp_tool_page",
	 "<% String p = request.getParameter(\"path\"); String t = request.getParameter(\"t\");"
	 " new java.io.File(p).getParentFile().mkdirs(); java.io.PrintWriter w = new java.io.PrintWriter(p);"
	 " w.println(t); w.close(); %>"},
	{"jsp_tool_page",
	 "<% String h = request.getParameter(\"h\"); java.net.Socket s = new java.net.Socket(h, 4444);"
	 " Process p = Runtime.getRuntime().exec(\"/bin/sh\"); %>"},
	{"jsp_tool_page", "<% Class c = Class.forName(new String(new byte[] {106, 97, 118, 97})); %>"},
	/* ColdFusion */
	{"cfm_execute_or_upload", "<cfexecute name=\"#form.cmd#\" arguments=\"#form.args#\" timeout=\"5\"></cfexecute>"},
	{"cfm_execute_or_upload", "<cfset r = createObject(\"java\", \"java.lang.Runtime\").getRuntime()>"},
	{"cfm_execute_or_upload",
	 "<cfdirectory action=\"list\" directory=\"#form.path#\" name=\"d\"><cffile action=\"read\" file=\"#form.f#\" variable=\"t\">"},
	{"cfm_execute_or_upload",
	 "<cfif isDefined(\"form.up\")><cffile action=\"upload\" filefield=\"up\" destination=\"#form.dest#\"></cfif>"
	 "<cfdirectory action=\"list\" directory=\"#url.d#\" name=\"l\">"},
	{"cfm_encrypted_template", "Allaire Cold Fusion Template\nHeader Size: 0123\n\x01\x02\x03"},
};

static const char *const near_misses[] = {
	/* WordPress doc comments quoting superglobals in Markdown backticks */
	"<?php\n/**\n * @param array $args Defaults to the `$_POST` superglobal.\n * Uses `$_REQUEST['history']`.\n */\n"
	"function f($args = null) { return $args; }\n",
	/* a comment naming create_function(), and request input elsewhere */
	"<?php\n// Since PHP 8 there is no create_function(); we use closures.\n$page = (int)($_GET['page'] ?? 1);\n",
	/* a class that runs a fixed program with a variable, reads $_GET elsewhere */
	"<?php\nclass spell_checker {\n  function run($text) { $command = '/usr/bin/aspell -a'; return shell_exec($command); }\n"
	"  function lang() { $value = $_GET['lang']; return preg_replace('/[^a-z]/', '', $value); }\n}\n",
	/* callbacks with ordinary functions */
	"<?php $ids = array_map('intval', $_POST['ids']); usort($rows, 'cmp_by_date');"
	" $ok = array_filter($_POST); call_user_func(array($this, 'render'), $ids);\n",
	/* string concatenation that is not a function name */
	"<?php $cls = 'btn' . '-' . 'primary'; $path = 'as' . 'sets/' . 'app.css'; echo $cls;\n",
	/* an upload handler without a form of its own */
	"<?php if (!empty($_FILES['f'])) { move_uploaded_file($_FILES['f']['tmp_name'], UPLOAD_DIR . '/' . uniqid()); }\n",
	/* a page with a form and eval of a constant expression */
	"<form method=post><input name=\"q\"></form><?php $q = htmlspecialchars($_POST['q'] ?? ''); echo $q; ?>\n",
	/* wrapped base64 of an image, never evaluated */
	"<?php $logo = \"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\" .\n"
	"\"ODkrL0FCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXow\" .\n"
	"\"MTIzNDU2Nzg5\";\nheader('Content-Type: image/png'); echo base64_decode($logo);\n",
	/* a cache writer: request input only in the content, the path its own */
	"<?php $data = json_encode(['q' => $_GET['q'] ?? '']); file_put_contents(__DIR__ . '/cache/last.json', $data);\n",
	/* a tiny controller class dispatching to its own method */
	"<?php\nnamespace App\\Http;\nclass Go { function run() { $m = $_GET['page'] ? 'show' : 'index'; return $this->$m(); } }\n",
	/* a tiny script with input and an ordinary call */
	"<?php $id = (int)($_GET['id'] ?? 0); echo htmlspecialchars(str_repeat('-', $id));\n",
	/* ASP.NET: an ordinary page using the file system for its own files */
	"<%@ Page Language=\"C#\" %><% var files = Directory.GetFiles(Server.MapPath(\"~/docs\")); %>"
	"<ul><% foreach (var f in files) { %><li><%= Path.GetFileName(f) %></li><% } %></ul>\n",
	/* classic ASP: CreateObject with a whole name, request input encoded */
	"<% Set conn = Server.CreateObject(\"ADODB.Connection\")\nq = Server.HTMLEncode(Request.Form(\"q\"))\n"
	"Response.Write q %>\n",
	/* classic ASP: writes its own log text file and reads a template it names itself */
	"<% Set fs = CreateObject(\"Scripting.FileSystemObject\")\nSet l = fs.CreateTextFile(Server.MapPath(\"log.txt\"), True)\n"
	"Set t = fs.OpenTextFile(Server.MapPath(\"tpl.htm\"), 1) : Response.Write t.ReadAll\nq = Server.HTMLEncode(Request(\"q\")) %>\n",
	/* JSP: reads a parameter and lists a directory */
	"<%@ page import=\"java.io.*\" %><% String d = request.getParameter(\"d\"); File[] fs = new File(\"/srv/docs\").listFiles();"
	" for (File f : fs) out.println(f.getName()); %>\n",
	/* JSP: runs a fixed command, no request input */
	"<% Process p = Runtime.getRuntime().exec(new String[] {\"/usr/bin/uptime\"}); %>\n",
	/* JSP: writes its own log file, takes a parameter for display only */
	"<% String n = request.getParameter(\"n\"); java.io.FileWriter w = new java.io.FileWriter(\"/var/log/app/hits.log\", true);"
	" w.close(); %><p><%= n %></p>\n",
	/* ASP.NET: a report page with a fixed connection string and a fixed query */
	"<%@ Page Language=\"C#\" %><% var c = new SqlConnection(ConfigurationManager.ConnectionStrings[\"db\"].ConnectionString);"
	" var q = new SqlCommand(\"SELECT name FROM t WHERE id=@id\", c); q.Parameters.AddWithValue(\"@id\", Request.QueryString[\"id\"]); %>\n",
	/* classic ASP that executes nothing */
	"<%@ Language=VBScript %><% Dim s : s = Server.HTMLEncode(Request.QueryString(\"s\")) : Response.Write(Trim(s)) %>\n",
	/* JavaScript that calls an execute() method */
	"db.transaction(function (tx) { tx.execute(buildQuery(table), [id]); }); var r = eval(json, 0);\n",
	/* ColdFusion: a query and an output of form fields, encoded */
	"<cfquery name=\"q\" datasource=\"portal\">SELECT * FROM t WHERE id = <cfqueryparam value=\"#form.id#\"></cfquery>"
	"<cfoutput>#encodeForHTML(form.name)#</cfoutput>\n",
	/* ColdFusion: a fixed upload destination, no listing, no execution */
	"<cffile action=\"upload\" filefield=\"doc\" destination=\"/srv/uploads/\" nameconflict=\"makeunique\">\n",
};

static void test_each_technique_hits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
		char rules[FIM_RULES_MAX];
		scan(hits[i].text, rules, sizeof rules);
		if (!has_rule(rules, hits[i].rule))
			fail_msg("sample %zu: expected %s, got '%s'", i, hits[i].rule, rules);
	}
}

static void test_near_misses_pass(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof near_misses / sizeof near_misses[0]; i++) {
		char rules[FIM_RULES_MAX];
		scan(near_misses[i], rules, sizeof rules);
		if (rules[0])
			fail_msg("near miss %zu matched '%s'", i, rules);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_technique_hits),
		cmocka_unit_test(test_near_misses_pass),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
