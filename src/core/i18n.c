/*
 * The message catalogue of API error codes. Kept in one table so the console
 * and the API say the same thing, and so a missing translation is easy to spot.
 */
#include "core/i18n.h"

#include <string.h>
#include <strings.h>

struct i18n_entry {
	const char *code;
	const char *vi;
	const char *en;
};

static const struct i18n_entry catalogue[] = {
	{"invalid_request", "Yêu cầu không hợp lệ.", "The request is not valid."},
	{"invalid_json", "Nội dung không phải JSON hợp lệ.", "The body is not valid JSON."},
	{"unsupported_media_type", "Nội dung phải có Content-Type: application/json.",
	 "The body must be sent with Content-Type: application/json."},
	{"payload_too_large", "Nội dung yêu cầu quá lớn (tối đa 64 KiB).",
	 "The request body is too large (at most 64 KiB)."},
	{"not_found", "Không tìm thấy địa chỉ này.", "There is nothing at this address."},
	{"method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này.",
	 "This method is not allowed on this address."},
	{"internal_error", "Lỗi hệ thống. Vui lòng thử lại hoặc báo quản trị viên.",
	 "Internal error. Try again or tell the administrator."},
	{"service_unavailable", "Hệ thống tạm thời không phục vụ được. Vui lòng thử lại sau.",
	 "The service is temporarily unavailable. Try again later."},
	{"storage_low", "Ổ đĩa dữ liệu sắp đầy; tạm dừng đăng nhập để dành chỗ cho nhật ký tra cứu. Quản trị viên "
	 "đã được cảnh báo.",
	 "The data disk is nearly full; sign-in is paused to keep room for the audit of lookups. The administrator "
	 "has been alerted."},
	{"unauthorized", "Bạn cần đăng nhập.", "You need to sign in."},
	{"forbidden", "Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."},
	{"invalid_credentials", "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang bị khóa.",
	 "Wrong username or password, or the account is locked."},
	{"too_many_requests", "Quá nhiều lần đăng nhập sai từ địa chỉ này. Vui lòng thử lại sau.",
	 "Too many failed sign-ins from this address. Try again later."},
	{"password_change_required", "Bạn phải đổi mật khẩu trước khi tiếp tục.",
	 "You must change your password before you go on."},
	{"password_policy", "Mật khẩu mới chưa đạt yêu cầu.", "The new password does not meet the policy."},
	{"conflict", "Đã tồn tại.", "It already exists."},
	{"not_locked", "Tài khoản không bị khóa.", "The account is not locked."},
	{"invalid_otp", "Mã xác thực không đúng hoặc đã hết hạn.", "The code is wrong or has expired."},
	{"totp_not_pending", "Chưa bắt đầu đăng ký xác thực hai yếu tố.", "No second-factor enrolment has been started."},
	{"totp_already_enrolled", "Tài khoản đã có xác thực hai yếu tố; quản trị viên phải đặt lại trước.",
	 "The account already has a second factor; an administrator must reset it first."},
	{"totp_enrolment_replaced", "Mã khóa đã được tạo lại trong lúc xác nhận. Hãy quét mã QR mới rồi nhập mã mới.",
	 "The secret was replaced while this code was checked. Scan the new QR code and enter a new code."},
	{"account_suspended", "Tài khoản đang bị tạm đình chỉ. Liên hệ quản trị viên.",
	 "The account is suspended. Contact the administrator."},
	{"ip_blocked", "Địa chỉ của bạn đang bị chặn do hoạt động bất thường. Liên hệ quản trị viên.",
	 "Your address is blocked after unusual activity. Contact the administrator."},
	{"block_table_full", "Danh sách chặn đã đầy (toàn bộ do quản trị viên thêm). Gỡ bớt địa chỉ hoặc chờ hết hạn.",
	 "The block list is full and every entry is an admin's. Remove some blocks or wait until they expire."},
	{"invalid_transition", "Không thể chuyển sự cố sang trạng thái này từ trạng thái hiện tại.",
	 "The incident cannot move to that status from its current one."},
	{"incident_not_closed", "Sự cố chưa kết thúc; báo cáo kết thúc (Mẫu 04) chỉ lập được khi sự cố đã đóng.",
	 "The incident is not closed; the closing report (form 04) exists only once it is closed."},
	{"audit_unavailable",
	 "Không ghi được nhật ký kiểm toán; tạm dừng tra cứu và mọi thay đổi, chưa có gì được thực hiện. Quản trị "
	 "viên đã được cảnh báo.",
	 "The audit log cannot be written; lookups and changes are paused and nothing was done. The administrator "
	 "has been alerted."},
	{"invalid_citizen_id", "Số định danh cá nhân không hợp lệ (12 chữ số: mã tỉnh, giới tính và thế kỷ, năm sinh).",
	 "The citizen id is not valid (12 digits: province, sex and century, birth year)."},
	{"invalid_dossier_code", "Mã hồ sơ không đúng định dạng (ví dụ H15.50.05.13-261008-0975).",
	 "The dossier code is not in the expected form (e.g. H15.50.05.13-261008-0975)."},
	{"unknown_procedure", "Không có thủ tục hành chính với mã này.", "There is no procedure with this code."},
	{"citizen_not_found", "Không tìm thấy công dân với số định danh này. Lượt tra cứu đã được ghi nhật ký.",
	 "No citizen has this id. The lookup has been recorded."},
	{"quota_exceeded", "Đã hết lượt tra cứu cho phép. Vui lòng chờ rồi thử lại.",
	 "The lookup quota is used up. Wait, then try again."},
	{"quota_unavailable", "Không đọc được hạn mức tra cứu; tạm dừng tra cứu để an toàn. Quản trị viên đã được cảnh báo.",
	 "The lookup quotas cannot be read; lookups are paused to be safe. The administrator has been alerted."},
	{"upstream_error", "Cơ sở dữ liệu quốc gia về dân cư trả lời lỗi. Vui lòng thử lại sau.",
	 "The national population database answered with an error. Try again later."},
	{"upstream_timeout", "Cơ sở dữ liệu quốc gia về dân cư không trả lời kịp. Vui lòng thử lại sau.",
	 "The national population database did not answer in time. Try again later."},
	{"insufficient_scope", "Thông tin xác thực của hệ thống này không có phạm vi (scope) cần cho thao tác này.",
	 "This system's credential does not have the scope this call needs."},
	{"dossier_not_found", "Không có hồ sơ với mã này. Chỉ tra cứu được trong hồ sơ đã tiếp nhận; lượt tra cứu đã được ghi nhật ký.",
	 "There is no dossier with this code. Lookups are allowed only inside a received dossier; this one has been recorded."},
	{"dossier_closed", "Hồ sơ đã kết thúc (đã trả kết quả, đóng hoặc hủy); không tra cứu được nữa. Lượt tra cứu đã được ghi nhật ký.",
	 "The dossier is finished (returned, closed or cancelled); no more lookups under it. This one has been recorded."},
	{"dossier_procedure_mismatch", "Hồ sơ này thuộc thủ tục khác; hãy chọn đúng thủ tục của hồ sơ. Lượt tra cứu đã được ghi nhật ký.",
	 "The dossier belongs to another procedure; choose the dossier's procedure. This lookup has been recorded."},
	{"dossier_other_agency", "Hồ sơ do cơ quan khác tiếp nhận và không phân công cho bạn. Lượt tra cứu đã được ghi nhật ký.",
	 "Another agency received this dossier and it is not assigned to you. This lookup has been recorded."},
	{"citizen_not_in_dossier", "Công dân này không có trong thành phần hồ sơ. Lượt tra cứu đã được ghi nhật ký.",
	 "This citizen is not one of the dossier's persons. This lookup has been recorded."},
	{"dossier_unavailable", "Không kiểm tra được hồ sơ (hệ thống một cửa không trả lời); tạm dừng tra cứu, hạn mức đã được hoàn lại.",
	 "The dossier could not be checked (the one-stop system did not answer); lookups are paused and the quota was given back."},
	{"invalid_dossier", "Hồ sơ không hợp lệ; xem trường detail để biết trường nào sai.",
	 "The dossier is not valid; the detail field says which field is wrong."},
	{"origin_refused", "Yêu cầu đến từ một trang khác, không phải bảng điều khiển canhgac; đã bị từ chối.",
	 "The request came from another site's page, not the canhgac console; it was refused."},
	{"csrf_required", "Thiếu hoặc sai mã chống giả mạo (X-CSRF-Token). Hãy tải lại trang.",
	 "The anti-forgery token (X-CSRF-Token) is missing or wrong. Reload the page."},
};

enum i18n_lang i18n_lang_from_header(const char *h)
{
	/* Tags are in the client's order of preference in practice (q-values are rare
	 * in browsers' defaults), so the first of vi/en to appear wins. */
	for (const char *p = h; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",;- \t");
		if (n == 2 && strncasecmp(p, "vi", 2) == 0)
			return LANG_VI;
		if (n == 2 && strncasecmp(p, "en", 2) == 0)
			return LANG_EN;
		p += strcspn(p, ",");
	}
	return LANG_VI;
}

const char *i18n_message(const char *code, enum i18n_lang lang)
{
	for (size_t i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++)
		if (strcmp(catalogue[i].code, code) == 0)
			return lang == LANG_EN ? catalogue[i].en : catalogue[i].vi;
	return lang == LANG_EN ? "The request could not be completed." : "Không thực hiện được yêu cầu.";
}
