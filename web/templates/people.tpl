<h1>{{title}}</h1>
% if message:
<p class="alert done" role="status" id="people-done">{{message}}</p>
% end
% if error:
<p class="alert refused" role="alert" id="people-error">{{error}}</p>
% end
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

% if _manage:
% v = _values
<section class="card">
  <h2>{{_("Add a person")}}</h2>
  <form class="stack" method="post" action="/people" id="add-person">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="p-name">{{_("Name")}}</label>
    <input id="p-name" name="name" required value="{{v.get("name", "")}}">
    <label for="p-badge">{{_("Badge")}}</label>
    <input id="p-badge" name="badge" required maxlength="64" autocomplete="off" value="{{v.get("badge", "")}}">
    <label for="p-clearance">{{_("Clearance")}}</label>
    <select id="p-clearance" name="clearance">
    % for lv in _levels:
      <option value="{{lv}}"{{" selected" if v.get("clearance", "internal") == lv else ""}}>{{level_name(lv)}}</option>
    % end
    </select>
    <label for="p-role">{{_("Role")}}</label>
    <select id="p-role" name="role">
    % for r in _roles:
      <option value="{{r}}"{{" selected" if v.get("role", "staff") == r else ""}}>{{term("role", r)}}</option>
    % end
    </select>
    <label for="p-dept">{{_("Department")}}</label>
    <input id="p-dept" name="dept" list="p-depts" value="{{v.get("dept", "")}}">
    <datalist id="p-depts">
    % for d in _depts:
      <option value="{{d}}">
    % end
    </datalist>
    <div class="full"><button type="submit" id="p-add">{{_("Add the person")}}</button></div>
  </form>
  % if not badges:
  <p class="hint">{{_("The badge is written here and never shown again (only administrators read badge codes).")}}</p>
  % end
</section>
% end
