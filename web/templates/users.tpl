<h1>{{title}}</h1>
% if message:
<p class="alert done" role="status" id="users-done">{{message}}</p>
% end
% if error:
<p class="alert refused" role="alert" id="users-error">{{error}}</p>
% end
<div class="table-wrap">
<table class="users">
  <thead><tr>
    <th scope="col">{{_("User name")}}</th><th scope="col">{{_("Role")}}</th><th scope="col">{{_("Tied to person")}}</th>
    <th scope="col">{{_("Active")}}</th><th scope="col">{{_("Created")}}</th><th scope="col"></th>
  </tr></thead>
  <tbody>
  % for u in users:
  <tr>
    <td>{{u["username"]}}</td>
    <td>{{term("role", u["role"])}}</td>
    <td>{{u["person_name"] or "—"}}{{(" · " + u["person"]) if u["person"] else ""}}</td>
    <td>{{_("yes") if u["active"] else _("no")}}</td>
    <td>{{fmt(u["created_at"])}}</td>
    <td>
    % if u["active"] and u["username"] != viewer.username:
      <form class="inline" method="post" action="/users/deactivate" data-confirm="{{_("Deactivate this login? Its sessions end at once.")}}">
        <input type="hidden" name="csrf_token" value="{{csrf_token}}">
        <input type="hidden" name="username" value="{{u["username"]}}">
        <button class="danger" type="submit">{{_("Deactivate")}}</button>
      </form>
    % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>

% v = _values
<div class="grid">
<section>
  <h2>{{_("Add a user")}}</h2>
  <form class="stack" method="post" action="/users" id="add-user">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="u-name">{{_("User name")}}</label>
    <input id="u-name" name="username" required maxlength="64" autocomplete="off" value="{{v.get("username", "")}}">
    <label for="u-role">{{_("Role")}}</label>
    <select id="u-role" name="role">
    % for r in roles:
      <option value="{{r}}"{{" selected" if v.get("role", "staff") == r else ""}}>{{term("role", r)}}</option>
    % end
    </select>
    <label for="u-person">{{_("Person (badge; empty: nobody)")}}</label>
    <input id="u-person" name="person" maxlength="64" autocomplete="off" value="{{v.get("person", "")}}">
    <label for="u-password">{{_("Password")}}</label>
    <input id="u-password" name="password" type="password" required minlength="8" maxlength="256" autocomplete="new-password">
    <label for="u-password2">{{_("The password again")}}</label>
    <input id="u-password2" name="password2" type="password" required minlength="8" maxlength="256" autocomplete="new-password">
    <div class="full"><button type="submit" id="u-add">{{_("Add the user")}}</button></div>
  </form>
</section>
<section>
  <h2>{{_("A new password")}}</h2>
  <form class="stack" method="post" action="/users/password" id="set-password">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="pw-user">{{_("User name")}}</label>
    <select id="pw-user" name="username">
    % for u in users:
      % if u["active"]:
      <option value="{{u["username"]}}">{{u["username"]}}</option>
      % end
    % end
    </select>
    <label for="pw-password">{{_("New password")}}</label>
    <input id="pw-password" name="password" type="password" required minlength="8" maxlength="256" autocomplete="new-password">
    <label for="pw-password2">{{_("The password again")}}</label>
    <input id="pw-password2" name="password2" type="password" required minlength="8" maxlength="256" autocomplete="new-password">
    <div class="full"><button type="submit" id="pw-set">{{_("Set the password")}}</button></div>
  </form>
  <p class="hint">{{_("A new password, a deactivation: the user's open sessions end.")}}</p>
</section>
</div>
