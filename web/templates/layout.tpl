<!DOCTYPE html>
<html lang="{{"en" if lang == "en" else "zh-CN"}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · {{_("Custody")}}</title>
<link rel="stylesheet" href="/static/custody.css">
<link rel="stylesheet" href="/static/print.css" media="print">
<script src="/static/custody.js" defer></script>
</head>
<body class="page-{{page}}">
% if page not in ("station", "kiosk", "login"):
<header class="top">
  <a class="brand" href="/">{{_("Custody")}}</a>
  <nav aria-label="{{_("Pages")}}">
    % if may(Can.READ) or may(Can.OWN_LOANS):
    <a href="/">{{_("Dashboard")}}</a>
    % end
    % if may(Can.RECEIVE):
    <a href="/receive">{{_("Receive")}}</a>
    % end
    % if may(Can.READ):
    <a href="/people">{{_("People")}}</a>
    <a href="/stations">{{_("Stations")}}</a>
    % end
    % if may(Can.APPROVE) or may(Can.REQUEST):
    <a href="/approvals">{{_("Approvals")}}</a>
    % end
    % if may(Can.READ):
    <a href="/sweep">{{_("Closing sweep")}}</a>
    <a href="/counts">{{_("Counts")}}</a>
    <a href="/registers">{{_("Registers")}}</a>
    % end
    % if may(Can.AUDIT):
    <a href="/audit">{{_("Audit")}}</a>
    % end
    % if may(Can.MANAGE_USERS):
    <a href="/users">{{_("Users")}}</a>
    % end
    % if may(Can.MANAGE_SETTINGS):
    <a href="/settings">{{_("Settings")}}</a>
    % end
  </nav>
  <div class="who">
    <a class="lang" href="/lang?to={{other_lang}}&amp;next={{here_q}}" hreflang="{{other_lang}}">{{"English" if lang == "zh" else "中文"}}</a>
    % if viewer is not None and viewer.kind == "user":
    <span class="user">{{viewer.person_name or viewer.username}} · {{term("role", viewer.role)}}</span>
    <form class="inline" method="post" action="/logout">
      <input type="hidden" name="csrf_token" value="{{csrf_token}}">
      <button type="submit">{{_("Sign out")}}</button>
    </form>
    % end
  </div>
</header>
% end
<main id="main">
{{!body}}
</main>
</body>
</html>
