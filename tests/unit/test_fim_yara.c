/*
 * The built-in web-shell rules (data/yara): every sample of tests/fixtures/
 * webshells (harmless text shaped like each family) hits the rule of its family,
 * ordinary application code (a WordPress-like index.php, a Laravel controller,
 * templates, legitimate base64_decode and json_decode, minified JavaScript, an
 * ASP.NET page, a JSP) hits none, and the upload-directory path rule.
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

static char *read_fixture(const char *name, size_t *len)
{
	const char *src = getenv("CANHGAC_SOURCE_DIR");
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/fixtures/webshells/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

static int has_rule(const char *rules, const char *rule)
{
	size_t n = strlen(rule);
	for (const char *p = rules; (p = strstr(p, rule)); p += n)
		if ((p == rules || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

static void test_each_family_hits(void **state)
{
	(void)state;
	static const struct {
		const char *file, *rule;
	} cases[] = {
		{"php_request_exec.txt", "php_request_exec"},
		{"php_backtick.txt", "php_request_exec"},
		{"php_eval_decode.txt", "php_eval_decode"},
		{"php_preg_replace_e.txt", "php_preg_replace_e"},
		{"php_create_function.txt", "php_create_function_input"},
		{"php_china_chopper.txt", "php_china_chopper"},
		{"php_encoded_blob.txt", "php_encoded_blob"},
		{"asp_china_chopper.txt", "asp_china_chopper"},
		{"aspx_china_chopper.txt", "asp_china_chopper"},
		{"aspx_process_start.txt", "asp_request_exec"},
		{"jsp_request_exec.txt", "jsp_request_exec"},
		{"kit_marker.txt", "webshell_kit_marker"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char rules[FIM_RULES_MAX];
		char *buf = read_fixture(cases[i].file, &len);
		assert_int_equal(fim_scanner_scan_mem(sc, (unsigned char *)buf, len, rules, sizeof rules), 0);
		if (!has_rule(rules, cases[i].rule))
			fail_msg("%s: expected %s, got '%s'", cases[i].file, cases[i].rule, rules);
		free(buf);
	}
}

static const char *const benign[] = {
	/* WordPress-like front controller */
	"<?php\n/**\n * Front to the application.\n */\ndefine( 'WP_USE_THEMES', true );\n"
	"require __DIR__ . '/wp-blog-header.php';\n",
	/* Laravel controller using request input safely */
	"<?php\nnamespace App\\Http\\Controllers;\nuse Illuminate\\Http\\Request;\n"
	"class DossierController extends Controller {\n  public function store(Request $request) {\n"
	"    $code = $request->input('dossier_code');\n    $v = $request->validate(['dossier_code' => 'required|max:40']);\n"
	"    return response()->json(['ok' => true, 'code' => e($code)]);\n  }\n}\n",
	/* legitimate base64_decode and json_decode */
	"<?php\n$payload = json_decode(base64_decode($token), true);\nif (!is_array($payload)) { http_response_code(400); exit; }\n"
	"echo htmlspecialchars($payload['name'] ?? '', ENT_QUOTES);\n",
	/* a template */
	"<?php include 'header.php'; ?>\n<h1><?= htmlspecialchars($title) ?></h1>\n<?php foreach ($items as $it): ?>\n"
	"<li><?= htmlspecialchars($it['name']) ?></li>\n<?php endforeach; ?>\n<?php include 'footer.php'; ?>\n",
	/* form handling with $_POST, no execution */
	"<?php\n$name = trim($_POST['name'] ?? '');\n$email = filter_var($_POST['email'] ?? '', FILTER_VALIDATE_EMAIL);\n"
	"$stmt = $pdo->prepare('INSERT INTO contacts(name, email) VALUES (?, ?)');\n$stmt->execute([$name, $email]);\n",
	/* a command with constant arguments */
	"<?php\n$out = shell_exec('/usr/bin/convert ' . escapeshellarg($path) . ' -resize 200x200 thumb.png');\n",
	/* preg_replace without /e, preg_replace_callback */
	"<?php\n$slug = preg_replace('/[^a-z0-9]+/i', '-', strtolower($title));\n"
	"$s = preg_replace_callback('/\\{(\\w+)\\}/', function ($m) use ($vars) { return $vars[$m[1]] ?? ''; }, $tpl);\n",
	/* session and cookies */
	"<?php\nsession_start();\nif (isset($_COOKIE['lang'])) { $lang = in_array($_COOKIE['lang'], ['vi', 'en']) ? $_COOKIE['lang'] : 'vi'; }\n",
	/* config file */
	"<?php\nreturn [\n  'db' => ['host' => '127.0.0.1', 'name' => 'portal'],\n  'upload_dir' => __DIR__ . '/uploads',\n];\n",
	/* minified jquery-like JavaScript */
	"!function(e,t){\"object\"==typeof module&&\"object\"==typeof module.exports?module.exports=e.document?t(e,!0):function(e){return t(e)}:t(e)}"
	"(\"undefined\"!=typeof window?window:this,function(C,e){var t=[],r=Object.getPrototypeOf,s=t.slice,g=t.flat?function(e){return t.flat.call(e)}"
	":function(e){return t.concat.apply([],e)};function eval2(x){return x};var a=eval2(s);return a});\n",
	/* JavaScript that uses eval on its own data */
	"var cfg = JSON.parse(document.getElementById('cfg').textContent);\nfunction run(){ return cfg.steps.map(function(s){ return s.name; }); }\n",
	/* HTML page with a data URI image */
	"<!doctype html><html><head><title>Cổng dịch vụ công</title></head><body><img src=\"data:image/png;base64,"
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\">"
	"<form method=\"post\" action=\"/upload.php\"><input type=\"file\" name=\"f\"></form></body></html>\n",
	/* an upload handler that stores files safely */
	"<?php\n$ext = strtolower(pathinfo($_FILES['f']['name'], PATHINFO_EXTENSION));\nif (!in_array($ext, ['pdf', 'jpg', 'png'])) exit('bad type');\n"
	"move_uploaded_file($_FILES['f']['tmp_name'], __DIR__ . '/uploads/' . bin2hex(random_bytes(16)) . '.' . $ext);\n",
	/* ASP.NET page with request input */
	"<%@ Page Language=\"C#\" AutoEventWireup=\"true\" CodeBehind=\"Default.aspx.cs\" Inherits=\"Portal._Default\" %>\n"
	"<% var q = Server.HtmlEncode(Request.QueryString[\"q\"]); %><p>Kết quả cho <%= q %></p>\n",
	/* classic ASP page */
	"<%\nDim name\nname = Server.HTMLEncode(Request.Form(\"name\"))\nResponse.Write(\"Xin chao \" & name)\n%>\n",
	/* JSP page */
	"<%@ page contentType=\"text/html; charset=UTF-8\" %>\n<% String q = request.getParameter(\"q\"); %>\n"
	"<p><%= org.apache.commons.text.StringEscapeUtils.escapeHtml4(q) %></p>\n",
	/* a CLI maintenance script running a fixed process */
	"<?php\n$proc = proc_open(['php', 'artisan', 'queue:work'], [1 => ['pipe', 'w']], $pipes);\n",
	/* composer autoloader */
	"<?php\nspl_autoload_register(function ($class) {\n  $file = __DIR__ . '/src/' . str_replace('\\\\', '/', $class) . '.php';\n"
	"  if (is_file($file)) require $file;\n});\n",
	/* CSS */
	".btn{display:inline-block;padding:.375rem .75rem}.c99{color:#c99}@media (max-width:600px){.nav{display:none}}\n",
	/* README text mentioning the words */
	"Do not use eval. Never call system() with user input. See docs about base64 encoding.\n",
	/* PHP using assert for its intended purpose */
	"<?php\nassert(is_int($count));\n$data = base64_decode($row['blob']);\n",
};

static void test_benign_code_passes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
		char rules[FIM_RULES_MAX];
		assert_int_equal(fim_scanner_scan_mem(sc, (const unsigned char *)benign[i], strlen(benign[i]),
						      rules, sizeof rules),
				 0);
		if (rules[0])
			fail_msg("benign sample %zu matched '%s'", i, rules);
	}
}

static void test_long_base64_without_eval_passes(void **state)
{
	(void)state;
	size_t n = 8192;
	char *buf = malloc(n + 64);
	assert_non_null(buf);
	strcpy(buf, "<?php $logo = base64_decode('");
	size_t p = strlen(buf);
	for (size_t i = 0; i < n; i++)
		buf[p + i] = "ABCDEFGHabcdefgh0123456789+/"[i % 28];
	strcpy(buf + p + n, "'); echo $logo;");
	char rules[FIM_RULES_MAX];
	assert_int_equal(fim_scanner_scan_mem(sc, (unsigned char *)buf, strlen(buf), rules, sizeof rules), 0);
	assert_string_equal(rules, "");
	free(buf);
}

static void test_upload_path_rule(void **state)
{
	(void)state;
	assert_string_equal(fim_scan_path_rule("/var/www/html/uploads/a.php"), FIM_RULE_UPLOAD_SCRIPT);
	assert_string_equal(fim_scan_path_rule("/var/www/html/wp-content/uploads/2024/05/x.PHTML"),
			    FIM_RULE_UPLOAD_SCRIPT);
	assert_string_equal(fim_scan_path_rule("/srv/site/Upload/shell.aspx"), FIM_RULE_UPLOAD_SCRIPT);
	assert_string_equal(fim_scan_path_rule("/srv/site/upload/x.jspx"), FIM_RULE_UPLOAD_SCRIPT);
	assert_null(fim_scan_path_rule("/var/www/html/uploads/photo.jpg"));
	assert_null(fim_scan_path_rule("/var/www/html/upload.php"));
	assert_null(fim_scan_path_rule("/var/www/html/uploader/x.php"));
	assert_null(fim_scan_path_rule("/var/www/html/index.php"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_family_hits),
		cmocka_unit_test(test_benign_code_passes),
		cmocka_unit_test(test_long_base64_without_eval_passes),
		cmocka_unit_test(test_upload_path_rule),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
