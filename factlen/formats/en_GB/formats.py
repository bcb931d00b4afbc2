# The newsroom's dates and times, in the admin as on readers' pages: "27 Nov
# 2026" and "27 Nov 2026, 14:05" (British English's own shows "2:05 p.m.").
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
