<h1>{{title}}</h1>
<p>{{_("As of {at}", at=fmt(at))}}
% if recorded:
· {{_("last recorded {at}", at=fmt(recorded["at"]))}}
% end
</p>
% if _close:
<form class="actions no-print" method="post" action="/sweep">
  <input type="hidden" name="csrf_token" value="{{csrf_token}}">
  <button type="submit" id="run-sweep">{{_("Run and record the sweep now")}}</button>
  <a class="button secondary" href="/sweep">{{_("Refresh")}}</a>
</form>
% end
<p class="actions no-print"><a class="button secondary" href="/sweep" id="print" data-print="1">{{_("Print (A4)")}}</a></p>
% if clear:
<p class="alert done" id="sweep-clear">{{_("Everything is home and every safe was closed in time.")}}</p>
% else:
<h2>{{_("Still out")}} <span class="muted">({{len(outstanding)}})</span></h2>
<p class="counts">
% for lv, n in counts.items():
  % if n:
  <span class="level {{level_class(lv)}}">{{level_name(lv)}} {{n}}</span>
  % end
% end
</p>
% include('_out_table', rows=_rows)
% for f in _safe_flags:
<p class="alert refused">{{f["station"]}}: {{"、".join(f["flags"]) if lang == "zh" else ", ".join(f["flags"])}}</p>
% end
% end
% if due_back:
<h2>{{_("Due back to the issuer")}}</h2>
<table>
  <thead><tr><th scope="col">{{_("Item")}}</th><th scope="col">{{_("Due")}}</th></tr></thead>
  <tbody>
  % for d in due_back:
  <tr><td><span class="level {{level_class(d["level"])}}">{{level_name(d["level"])}}</span> {{d["title"]}} ({{d["code"]}})</td><td>{{d["due_back"]}}</td></tr>
  % end
  </tbody>
</table>
% end
