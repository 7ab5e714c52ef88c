<h1>{{title}}</h1>
% if error:
<p class="alert refused" role="alert">{{error}}</p>
% end
% if summary:
<p class="alert {{"refused" if errors else "done"}}" id="import-summary">{{summary}}</p>
% end
% if errors:
<ul class="errors">
% for e in errors:
  <li>{{e}}</li>
% end
</ul>
% end
% if imported:
<p class="alert done">{{_("imported {count} items", count=len(imported))}} · <a href="/labels.pdf?codes={{",".join(imported)}}">{{_("Print their labels (PDF, A4 sheet)")}}</a></p>
% end
<form class="stack" method="post" action="/registers/import" enctype="multipart/form-data">
  <input type="hidden" name="csrf_token" value="{{csrf_token}}">
  <label for="file">{{_("Register file (.csv or .xlsx)")}}</label>
  <input id="file" name="file" type="file" accept=".csv,.xlsx,.xlsm,.txt" required>
  <label for="home">{{_("Home station for rows without one")}}</label>
  <select id="home" name="home">
    <option value="">{{_("the only safe")}}</option>
  % for s in stations:
    <option value="{{s}}">{{s}}</option>
  % end
  </select>
  <label for="dry_run">{{_("Only check, import nothing")}}</label>
  <input id="dry_run" name="dry_run" type="checkbox" value="1">
  <p class="hint full">{{_("At most {limit} bytes. Every row is checked first; nothing is imported while a row fails.", limit=max_upload)}}</p>
  <div class="full"><button type="submit">{{_("Check and import")}}</button></div>
</form>
