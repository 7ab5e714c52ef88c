% if not rows:
<p class="empty">{{_("Nothing is out.")}}</p>
% else:
<div class="table-wrap">
<table class="out">
  <thead><tr>
    <th scope="col">{{_("Level")}}</th><th scope="col">{{_("Item")}}</th><th scope="col">{{_("Holder")}}</th>
    <th scope="col">{{_("Since")}}</th><th scope="col">{{_("Station")}}</th><th scope="col">{{_("Purpose")}}</th>
    <th scope="col">{{_("Due")}}</th><th scope="col">{{_("Flags")}}</th>
  </tr></thead>
  <tbody>
  % for r in rows:
  <tr class="{{level_class(r["level"])}}{{" overdue" if r["overdue"] else ""}}">
    <td><span class="level {{level_class(r["level"])}}">{{level_name(r["level"])}}</span></td>
    <td><a href="/items/{{r["code"]}}">{{r["title"]}}</a><br><span class="muted">{{r["code"]}} · {{_("copy")}} {{r["copy_no"]}}</span></td>
    <td>{{r["holder"]["name"] if r["holder"] else ""}}</td>
    <td>{{fmt(r["since"])}}</td>
    <td>{{r["station"] or ""}}</td>
    <td>{{purpose_name(r.get("purpose"))}}</td>
    <td>{{fmt(r.get("due"))}}</td>
    <td>
      % if r["overdue"]:
      <span class="flag">{{_("overdue")}}</span>
      % end
      % for f in r.get("flag_names", []):
      <span class="flag">{{f}}</span>
      % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
