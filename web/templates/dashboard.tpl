<div id="live" data-refresh="5">
<h1>{{title}}</h1>
<p class="muted">{{_("As of {at}", at=fmt(at))}}</p>
<div class="grid">
<section class="wide">
  <h2>{{_("My loans") if mine_only else _("Out now")}} <span class="muted">({{len(out)}})</span></h2>
  % include('_out_table', rows=out)
</section>
% if not mine_only:
<section>
  <h2>{{_("Items out today")}}</h2>
  {{!_out_chart}}
</section>
<section>
  <h2>{{_("The last 30 closing sweeps")}}</h2>
  % if sweeps:
  {{!_sweep_chart}}
  % else:
  <p class="empty">{{_("No sweep recorded yet.")}}</p>
  % end
</section>
<section>
  <h2>{{_("Closing today")}}</h2>
  <table>
    <thead><tr><th scope="col">{{_("Station")}}</th><th scope="col">{{_("Closed")}}</th><th scope="col">{{_("Still out then")}}</th><th scope="col">{{_("Checked by")}}</th></tr></thead>
    <tbody>
    % for c in closing:
    <tr>
      <td>{{c["station"]}} <span class="muted">{{term("station_kind", c["kind"])}}</span></td>
      % if c["closed_at"]:
      <td class="badge-ok">{{fmt(c["closed_at"])}} · {{c["closed_by"]}}</td>
      <td class="num">{{c["out_count"]}}</td>
      <td>{{c["checked_by"] or "—"}}</td>
      % else:
      <td class="muted" colspan="3">{{_("not closed yet")}}</td>
      % end
    </tr>
    % end
    </tbody>
  </table>
  % for u in unclosed_safes:
  <p class="alert refused">{{u["station"]}}: {{"、".join(u["flags"]) if lang == "zh" else ", ".join(u["flags"])}}</p>
  % end
</section>
% if due_back:
<section>
  <h2>{{_("Due back to the issuer")}}</h2>
  <ul>
  % for d in due_back:
    <li><a href="/items/{{d["code"]}}">{{d["title"]}}</a> · {{d["due_back"]}}</li>
  % end
  </ul>
</section>
% end
% end
% if defined("violations"):
<section class="wide">
  <h2>{{_("Flags and violations today")}} <span class="muted">({{len(violations)}})</span></h2>
  % if not violations:
  <p class="empty">{{_("None today.")}}</p>
  % else:
  <table>
    <thead><tr><th scope="col">{{_("Time")}}</th><th scope="col">{{_("Rule")}}</th><th scope="col">{{_("What")}}</th><th scope="col">{{_("Station")}}</th></tr></thead>
    <tbody>
    % for x in violations:
    <tr><td>{{fmt(x["at"])}}</td><td>{{x["rule"]}}</td><td>{{x["message"]}}</td><td>{{x["station"] or ""}}</td></tr>
    % end
    </tbody>
  </table>
  % end
</section>
% end
</div>
</div>
