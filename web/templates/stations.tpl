<h1>{{title}}</h1>
% if error:
<p class="alert refused" role="alert">{{error}}</p>
% end
% if new_token:
<section class="alert done" id="new-token">
  <p>{{_("The token of device {device} at {station}, shown this once: enter it in the scanner's agent or the kiosk.", device=new_token["device"], station=new_token["station"])}}</p>
  <p><code id="token-value">{{new_token["token"]}}</code></p>
</section>
% end
<div class="grid">
% for s in stations:
<section>
  <h2>{{s["name"]}} <span class="muted">{{term("station_kind", s["kind"])}}</span></h2>
  <p>{{_("Session:")}} {{s["session"]["person"] if s["session"] else _("none")}} · {{_("{n} items home", n=s["items_home"])}}</p>
  <p><a href="/station/{{s["name"]}}">{{_("Open the station display")}}</a></p>
  % if manage:
  <h3>{{_("Device tokens")}}</h3>
  % if s["tokens"]:
  <table>
    <thead><tr><th scope="col">{{_("Device")}}</th><th scope="col">{{_("Starts with")}}</th><th scope="col">{{_("Issued")}}</th><th scope="col">{{_("Revoked")}}</th><th scope="col"></th></tr></thead>
    <tbody>
    % for t in s["tokens"]:
    <tr>
      <td>{{t["device"]}}</td><td><code>{{t["hint"]}}…</code></td><td>{{fmt(t["created_at"])}}</td><td>{{fmt(t["revoked_at"]) or "—"}}</td>
      <td>
      % if not t["revoked_at"]:
        <form class="inline" method="post" action="/stations/{{s["name"]}}/tokens/revoke" data-confirm="{{_("Revoke this device's token? That scanner stops working.")}}">
          <input type="hidden" name="csrf_token" value="{{csrf_token}}">
          <input type="hidden" name="device" value="{{t["device"]}}">
          <button class="danger" type="submit">{{_("Revoke")}}</button>
        </form>
      % end
      </td>
    </tr>
    % end
    </tbody>
  </table>
  % else:
  <p class="empty">{{_("No device tokens.")}}</p>
  % end
  <form class="actions" method="post" action="/stations/{{s["name"]}}/tokens">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="device-{{s["name"]}}">{{_("New device")}}</label>
    <input id="device-{{s["name"]}}" name="device" required maxlength="64">
    <button type="submit">{{_("Add a device token")}}</button>
  </form>
  % end
</section>
% end
</div>
