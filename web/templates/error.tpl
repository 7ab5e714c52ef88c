<section class="error">
  <h1>{{title}} {{status}}</h1>
  <p class="message">{{message}}</p>
  <p><a href="/">{{_("Back to the dashboard")}}</a></p>
</section>
