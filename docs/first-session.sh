#!/bin/sh
# A first session on a fresh temporary home: what the README's "try it" runs.
set -e
CUSTODY_HOME=$(mktemp -d)
export CUSTODY_HOME
echo "# home: $CUSTODY_HOME"
custody init
custody station add 保密室 --kind safe >/dev/null
custody person add 张三 --badge B001 --clearance 机密 --dept 综合科
custody person add 王主任 --badge L001 --clearance 绝密 --role leader
custody item receive --title 关于加强保密工作的通知 --level 机密 --copies 2 \
  --doc-no '办发〔2026〕12号' --issuer 县委办公室 --period 10y > "$CUSTODY_HOME/codes"
top=$(custody item receive --title 绝密会议纪要 --level 绝密 --period 30y)
first=$(head -n 1 "$CUSTODY_HOME/codes")
custody check-out "$first" --to B001
custody check-out "$top" --to B001 || true      # refused: clearance, recorded
custody out
custody item show "$first"
custody verify
