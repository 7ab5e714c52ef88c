<h1>{{title}}</h1>
% if error:
<p class="alert refused" role="alert" id="counts-error">{{error}}</p>
% end
<p class="hint">{{_("A count is started and closed at a station by scanning its command labels (custody label --commands).")}}</p>
% if _count:
<div class="actions">
  % if any(not s["open"] for s in _stations):
  <form method="post" action="/counts/start" id="count-start">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="cs-station">{{_("Station")}}</label>
    <select id="cs-station" name="station">
    % for s in _stations:
      % if not s["open"]:
      <option value="{{s["name"]}}">{{s["name"]}}</option>
      % end
    % end
    </select>
    <button type="submit">{{_("Start a count")}}</button>
  </form>
  % end
  % if any(s["open"] for s in _stations):
  <form method="post" action="/counts/close" id="count-close">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="cc-station">{{_("Station")}}</label>
    <select id="cc-station" name="station">
    % for s in _stations:
      % if s["open"]:
      <option value="{{s["name"]}}">{{s["name"]}}</option>
      % end
    % end
    </select>
    <button type="submit">{{_("Close the count")}}</button>
  </form>
  % end
</div>
% end
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
