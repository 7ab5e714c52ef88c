<h1>{{title}}</h1>
<p class="hint">{{_("A count is started and closed at a station by scanning its command labels (custody label --commands).")}}</p>
% if not counts:
<p class="empty">{{_("No count yet.")}}</p>
% else:
<table>
  <thead><tr>
    <th scope="col">{{_("Station")}}</th><th scope="col">{{_("Started")}}</th><th scope="col">{{_("Closed")}}</th>
    <th scope="col" class="num">{{_("Expected")}}</th><th scope="col">{{_("Result")}}</th>
  </tr></thead>
  <tbody>
  % for c in counts:
  <tr>
    <td>{{c["station"]}}</td>
    <td>{{fmt(c["started_at"])}} · {{c["started_by"]}}</td>
    <td>{{(fmt(c["closed_at"]) + " · " + (c["closed_by"] or "")) if c["closed_at"] else _("open")}}</td>
    <td class="num">{{c["expected"]}}</td>
    <td>
    % if c.get("summary"):
      % for k, n in c["summary"].items():
      <span class="{{"flag" if n and k != "found" else ""}}">{{_words.get(k, k)}} {{n}}</span>
      % end
    % elif c.get("progress"):
      {{_("{n} seen so far", n=c["progress"]["seen_items"])}}
    % end
    </td>
  </tr>
  % end
  </tbody>
</table>
% end
