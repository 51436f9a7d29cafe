/*
 * canhgac web-shell rules: what the other rule files share. The file sorts first
 * (cmake embeds data/yara/*.yar in name order, `ls data/yara/*.yar` gives yara the
 * same order), so every later file can use these private rules.
 */

private rule php_file
{
    strings:
        $open = "<?php" nocase
        $short = "<?="
        $short2 = /<\?[\s]/
    condition:
        any of them
}

