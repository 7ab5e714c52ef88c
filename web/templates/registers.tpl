<h1>{{title}}</h1>
<p class="print-only hidden">{{unit}} · {{get("from")}} – {{to}}</p>
<form class="actions no-print" method="get" action="/registers">
  <label for="kind">{{_("Register")}}</label>
  <select id="kind" name="kind">
  % for slug, name in _kinds:
    <option value="{{slug}}"{{" selected" if slug == kind else ""}}>{{name}}</option>
  % end
  </select>
  <label for="from">{{_("From")}}</label>
  <input id="from" name="from" type="date" value="{{get("from")}}">
  <label for="to">{{_("To")}}</label>
  <input id="to" name="to" type="date" value="{{to}}">
  <button type="submit">{{_("Show")}}</button>
  <a class="button secondary" href="/registers?kind={{kind}}&amp;from={{get("from")}}&amp;to={{to}}&amp;format=csv">{{_("CSV")}}</a>
</form>
% if not rows:
<p class="empty">{{_("Nothing in this register for these days.")}}</p>
% else:
<div class="table-wrap">
<table class="register">
  <thead><tr>
  % for h in headings:
    <th scope="col">{{h}}</th>
  % end
  </tr></thead>
  <tbody>
  % for row in rows:
  <tr>
    % for cell in row:
    <td>{{cell}}</td>
    % end
  </tr>
  % end
  </tbody>
</table>
</div>
% end
