/*
 * The handover record as a printable HTML page in Vietnamese: agency, officer,
 * username, date and time, the one-time password, the duty to change it at first
 * sign-in and never to disclose it, and signature blocks for the one handing over
 * and the one receiving. Every value is HTML-escaped.
 */
#include "auth/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void row(FILE *f, const char *label, const char *value)
{
	fprintf(f, "<tr><th>%s</th><td>", label);
	put_escaped(f, value);
	fputs("</td></tr>\n", f);
}

int handover_write_html(const char *path, const struct store_user *u, const char *agency_name,
			const char *one_time_password, const char *handed_by, int64_t now)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		return -e;
	}
	int y, mo, d;
	clock_local_date(now, &y, &mo, &d, NULL);
	int sod = clock_local_seconds_of_day(now);
	char when[64], agency[300];
	snprintf(when, sizeof when, "%02d giờ %02d, ngày %02d tháng %02d năm %04d", sod / 3600, sod / 60 % 60, d, mo, y);
	snprintf(agency, sizeof agency, "%s%s%s", agency_name ? agency_name : "", agency_name ? " — " : "", u->agency);
	fputs("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\n"
	      "<title>Biên bản bàn giao tài khoản</title>\n"
	      "<style>body{font-family:'Times New Roman',serif;max-width:42em;margin:2em auto;line-height:1.5}"
	      "h1,h2{text-align:center}table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;"
	      "padding:.3em .6em;text-align:left}th{width:40%}.pw{font-family:monospace;font-size:1.3em}"
	      ".sign{display:flex;justify-content:space-between;margin-top:3em;text-align:center}"
	      ".sign div{width:45%;min-height:8em}</style></head><body>\n"
	      "<h2>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</h2>\n"
	      "<h1>BIÊN BẢN BÀN GIAO TÀI KHOẢN</h1>\n<p>Hệ thống thông tin giải quyết thủ tục hành chính — "
	      "cổng tra cứu Cơ sở dữ liệu quốc gia về dân cư (canhgac).</p>\n<p>Vào lúc ",
	      f);
	put_escaped(f, when);
	fputs(", bên giao đã bàn giao cho bên nhận tài khoản sau:</p>\n<table>\n", f);
	row(f, "Cơ quan, đơn vị", agency);
	row(f, "Họ và tên người nhận", u->full_name);
	row(f, "Tên đăng nhập", u->username);
	row(f, "Vai trò", u->role);
	fputs("<tr><th>Mật khẩu dùng một lần</th><td class=\"pw\">", f);
	put_escaped(f, one_time_password);
	fputs("</td></tr>\n", f);
	row(f, "Người bàn giao", handed_by);
	fputs("</table>\n<p><b>Trách nhiệm của người nhận:</b></p>\n<ul>\n"
	      "<li>Đổi mật khẩu ngay ở lần đăng nhập đầu tiên; hệ thống không cho làm việc khác trước khi đổi.</li>\n"
	      "<li>Mật khẩu mới dài ít nhất 8 ký tự, có chữ hoa, chữ thường, chữ số và ký tự đặc biệt; "
	      "không dùng lại mật khẩu cũ; đổi ít nhất 3 tháng một lần.</li>\n"
	      "<li>Tuyệt đối không tiết lộ, không cho người khác dùng tài khoản và mật khẩu; "
	      "không dùng chung mật khẩu với tài khoản khác.</li>\n"
	      "<li>Chỉ tra cứu thông tin công dân gắn với hồ sơ đang giải quyết; mọi lượt tra cứu đều được ghi nhật ký.</li>\n"
	      "<li>Báo ngay cho quản trị viên khi nghi ngờ mật khẩu bị lộ.</li>\n</ul>\n"
	      "<p>Biên bản lập thành 02 bản, mỗi bên giữ 01 bản. Sau khi người nhận đổi mật khẩu, "
	      "mật khẩu dùng một lần trên biên bản không còn giá trị.</p>\n"
	      "<div class=\"sign\"><div><b>BÊN GIAO</b><br><i>(Ký, ghi rõ họ tên)</i></div>"
	      "<div><b>BÊN NHẬN</b><br><i>(Ký, ghi rõ họ tên)</i></div></div>\n</body></html>\n",
	      f);
	int bad = ferror(f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		bad = 1;
	if (fclose(f) != 0 || bad)
		return -EIO;
	return 0;
}
