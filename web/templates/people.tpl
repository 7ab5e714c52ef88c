<h1>{{title}}</h1>
<div class="table-wrap">
<table>
  <thead><tr>
    <th scope="col">{{_("Name")}}</th>
    % if badges:
    <th scope="col">{{_("Badge")}}</th>
    % end
    <th scope="col">{{_("Role")}}</th><th scope="col">{{_("Clearance")}}</th><th scope="col">{{_("Department")}}</th>
    <th scope="col">{{_("Active")}}</th><th scope="col" class="num">{{_("Holds")}}</th>
  </tr></thead>
  <tbody>
  % for p in people:
  <tr>
    <td>{{p["name"]}}</td>
    % if badges:
    <td>{{p["badge"] or ""}}</td>
    % end
    <td>{{term("role", p["role"])}}</td>
    <td><span class="level {{level_class(p["clearance"])}}">{{level_name(p["clearance"])}}</span></td>
    <td>{{p["dept"] or ""}}</td>
    <td>{{_("yes") if p["active"] else _("no")}}</td>
    <td class="num">{{p["holds"]}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
