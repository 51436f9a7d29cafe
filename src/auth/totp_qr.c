/*
 * The enrolment QR code as an SVG document, drawn from libqrencode's module
 * matrix as one path (one unit square per dark module, a 4-module quiet zone),
 * so the console can show it inline without a raster library.
 */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth/totp.h"

char *totp_qr_svg(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return NULL;
	int w = qr->width, full = w + 8;
	size_t cap = (size_t)w * (size_t)w * 32 + 512, len = 0;
	char *svg = malloc(cap);
	if (!svg)
		goto out;
	len += (size_t)snprintf(svg, cap,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
				"shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
				"<path fill=\"#000\" d=\"",
				full, full, full, full);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (qr->data[y * w + x] & 1)
				len += (size_t)snprintf(svg + len, cap - len, "M%d %dh1v1h-1z", x + 4, y + 4);
	snprintf(svg + len, cap - len, "\"/></svg>");
out:
	QRcode_free(qr);
	return svg;
}
