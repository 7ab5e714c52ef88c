<div class="station" id="station" data-state="{{_path}}/state" data-lang="{{lang}}">
  <header>
    <span class="name">{{station}} <span class="muted">{{term("station_kind", kind)}}</span></span>
    <span>
      <button type="button" class="arm" id="arm" aria-pressed="false">{{_("Sound on refusal: click to arm")}}</button>
      <span class="hidden" id="armed-text">{{_("Sound armed")}}</span>
    </span>
  </header>
  <div class="session" id="session" aria-live="polite">
    % if session:
    <span class="person">{{session["person"]}}</span>
    % if session["approver"]:
    <span class="approver">· {{_("approved by {approver}", approver=session["approver"])}}</span>
    % end
    % else:
    <span class="none">{{_("No session: scan a badge")}}</span>
    % end
  </div>
  % cls = last["state"] if last else "waiting"
  <div class="outcome {{cls}}" id="outcome" role="status" aria-live="assertive" data-scan="{{last["scan_id"] if last else ""}}">
    <div class="word" id="word">{{last["word"] if last else _("Ready")}}</div>
    <div class="message" id="message">{{last["message"] if last else _("Scan a badge, then the items.")}}</div>
    <time id="when">{{fmt(last["at"]) if last else ""}}</time>
  </div>
  <div class="recent">
    <h2>{{_("Recent scans")}}</h2>
    <ol id="recent">
    % for r in recent:
      <li class="{{r["state"]}}">{{fmt(r["at"])}} · {{r["word"]}} · {{r["message"]}}</li>
    % end
    </ol>
  </div>
  % if _emulate:
  <form class="emulate" method="post" action="{{_path}}/scan" id="emulate">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="code">{{_("Training: type a code as the scanner would")}}</label>
    <input id="code" name="code" autocomplete="off" required maxlength="256">
    <button type="submit">{{_("Scan")}}</button>
  </form>
  % end
</div>
<script src="/static/station.js" defer></script>
